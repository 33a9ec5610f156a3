package dev.warden.bench.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * CPU time of the processes taking part in a round (this JVM, PostgreSQL's server processes, the broker, the perf test
 * JVM) and of the whole machine, so a figure can be read against how busy the two cores were, and by whom.
 * Linux only; a process that starts and ends between two snapshots is not counted.
 */
public final class CpuMeter {

    /** CPU nanoseconds per pid, per group, and the machine's busy and total jiffies. */
    public record Snapshot(Map<String, Map<Long, Long>> groups, long machineBusy, long machineTotal, long nanoTime) {
    }

    /** CPU seconds per group, the machine's busy CPU seconds and the wall time between two snapshots. */
    public record Usage(Map<String, Double> cpuSeconds, double machineBusySeconds, double machineCapacitySeconds,
                 double wallSeconds) {

        public double ours() {
            return cpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** Busy CPU seconds of processes that are not ours (the other tests on this machine, the OS). */
        public double others() {
            return Math.max(0, machineBusySeconds - ours());
        }

        public String describe(long events) {
            StringBuilder s = new StringBuilder();
            cpuSeconds.forEach((group, sec) -> s.append(String.format("%s %.2f s (%.1f µs/event), ", group, sec,
                    sec * 1e6 / events)));
            s.append(String.format("others %.2f s; machine %.0f%% busy of %d cores",
                    others(), 100 * machineBusySeconds / Math.max(1e-9, machineCapacitySeconds),
                    Runtime.getRuntime().availableProcessors()));
            return s.toString();
        }
    }

    private final Map<String, Supplier<List<ProcessHandle>>> groups = new LinkedHashMap<>();

    public CpuMeter group(String name, Supplier<List<ProcessHandle>> processes) {
        groups.put(name, processes);
        return this;
    }

    public Snapshot snapshot() {
        Map<String, Map<Long, Long>> byGroup = new LinkedHashMap<>();
        groups.forEach((name, processes) -> {
            Map<Long, Long> cpu = new HashMap<>();
            for (ProcessHandle p : processes.get()) {
                p.info().totalCpuDuration().ifPresent(d -> cpu.put(p.pid(), d.toNanos()));
            }
            byGroup.put(name, cpu);
        });
        long[] machine = machine();
        return new Snapshot(byGroup, machine[0], machine[1], System.nanoTime());
    }

    public static Usage between(Snapshot from, Snapshot to) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        to.groups().forEach((name, cpu) -> {
            Map<Long, Long> before = from.groups().getOrDefault(name, Map.of());
            long nanos = 0;
            for (var e : cpu.entrySet()) {
                nanos += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
            }
            seconds.put(name, nanos / 1e9);
        });
        double wall = (to.nanoTime() - from.nanoTime()) / 1e9;
        double hz = 100.0; // USER_HZ on Linux
        double busy = (to.machineBusy() - from.machineBusy()) / hz;
        double total = (to.machineTotal() - from.machineTotal()) / hz;
        return new Usage(seconds, busy, total, wall);
    }

    /** {busy, total} jiffies of all CPUs from /proc/stat; zeros where there is none. */
    private static long[] machine() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst();
            String[] f = cpu.trim().split("\\s+");
            long user = Long.parseLong(f[1]), nice = Long.parseLong(f[2]), system = Long.parseLong(f[3]);
            long idle = Long.parseLong(f[4]), iowait = Long.parseLong(f[5]), irq = Long.parseLong(f[6]);
            long softirq = Long.parseLong(f[7]), steal = Long.parseLong(f[8]);
            long busy = user + nice + system + irq + softirq + steal;
            return new long[]{busy, busy + idle + iowait};
        } catch (IOException | RuntimeException e) {
            return new long[]{0, 0};
        }
    }

    /** A process and all its descendants, as they are now. */
    public static List<ProcessHandle> withDescendants(ProcessHandle root) {
        return Stream.concat(Stream.of(root), root.descendants()).filter(ProcessHandle::isAlive).toList();
    }

    /** The first process whose command line contains {@code marker}, with its descendants. */
    public static Supplier<List<ProcessHandle>> findByCommandLine(String marker) {
        return () -> ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .findFirst()
                .map(CpuMeter::withDescendants)
                .orElse(List.of());
    }
}
