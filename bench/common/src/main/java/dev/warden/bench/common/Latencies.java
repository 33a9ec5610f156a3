package dev.warden.bench.common;

import java.util.Arrays;

/** Latencies in nanoseconds, summarized as the benchmarks print them: count, p50, p99 and max in milliseconds. */
public record Latencies(long[] sortedNanos) {

    public static Latencies of(long[] nanos, int count) {
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        return new Latencies(sorted);
    }

    public int count() {
        return sortedNanos.length;
    }

    /** The {@code q} quantile (nearest rank), in milliseconds; NaN when empty. */
    public double ms(double q) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sortedNanos.length);
        return sortedNanos[Math.clamp(rank - 1, 0, sortedNanos.length - 1)] / 1e6;
    }

    public double p50() {
        return ms(0.50);
    }

    public double p99() {
        return ms(0.99);
    }

    public double maxMs() {
        return ms(1.0);
    }

    public String describe() {
        return String.format("p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%,d)", p50(), p99(), maxMs(), count());
    }
}
