package dev.warden.bench.audit;

import dev.warden.bench.common.CpuMeter;
import dev.warden.bench.common.Logs;

import org.apache.kafka.tools.ConsumerPerformance;

import java.util.ArrayList;
import java.util.List;

/**
 * Baseline (a)'s JVM: Kafka's own {@code ConsumerPerformance} (what {@code kafka-consumer-perf-test.sh} runs),
 * optionally once first with another consumer group over {@code warm-up} messages, so the measured run is not its
 * JVM's first. Arguments: {@code <warm-up messages> <ConsumerPerformance arguments...>} (must contain --group and
 * --messages). Prints {@code BENCH_MEASURE_START} before the measured run and {@code BENCH_CPU_NANOS n} after.
 */
public final class ConsumerPerfMain {

    private ConsumerPerfMain() {
    }

    public static void main(String[] args) throws Exception {
        Logs.warningsOnly();
        long warmup = Long.parseLong(args[0]);
        List<String> perfArgs = List.of(args).subList(1, args.length);
        if (warmup > 0) {
            List<String> warm = new ArrayList<>(perfArgs);
            warm.set(warm.indexOf("--messages") + 1, Long.toString(warmup));
            int g = warm.indexOf("--group") + 1;
            warm.set(g, warm.get(g) + "-warmup");
            System.out.println("BENCH_WARMUP_START");
            ConsumerPerformance.main(warm.toArray(String[]::new));
        }
        System.out.println("BENCH_MEASURE_START");
        System.out.flush();
        long cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
        ConsumerPerformance.main(perfArgs.toArray(String[]::new));
        System.out.println("BENCH_CPU_NANOS "
                + (ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L) - cpu));
        System.out.flush();
    }
}
