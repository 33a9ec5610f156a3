package dev.warden.bench.outbox;

import dev.warden.bench.common.CpuMeter;
import dev.warden.bench.common.Logs;

import org.apache.kafka.tools.ProducerPerformance;

import java.util.ArrayList;
import java.util.List;

/**
 * The baseline's JVM: Kafka's own {@code ProducerPerformance} (what {@code kafka-producer-perf-test.sh} runs),
 * optionally once on a warm-up topic first so the measured run, like the relay's, is not its JVM's first.
 * Arguments: {@code <warm-up records> <warm-up topic> <ProducerPerformance arguments...>}.
 * Prints {@code BENCH_MEASURE_START} before the measured run and {@code BENCH_CPU_NANOS n} (this JVM's CPU during it)
 * after; everything else is ProducerPerformance's own output.
 */
public final class BaselineMain {

    private BaselineMain() {
    }

    public static void main(String[] args) throws Exception {
        Logs.warningsOnly();
        long warmup = Long.parseLong(args[0]);
        String warmupTopic = args[1];
        List<String> perfArgs = List.of(args).subList(2, args.length);
        if (warmup > 0) {
            System.out.println("BENCH_WARMUP_START");
            ProducerPerformance.main(with(with(perfArgs, "--num-records", Long.toString(warmup)), "--topic", warmupTopic)
                    .toArray(String[]::new));
        }
        System.out.println("BENCH_MEASURE_START");
        System.out.flush();
        long cpu = cpuNanos();
        ProducerPerformance.main(perfArgs.toArray(String[]::new));
        System.out.println("BENCH_CPU_NANOS " + (cpuNanos() - cpu));
        System.out.flush();
    }

    private static List<String> with(List<String> args, String option, String value) {
        List<String> out = new ArrayList<>(args);
        int i = out.indexOf(option);
        out.set(i + 1, value);
        return out;
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
    }
}
