package dev.warden.runner.engine;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The hard limits of one run, from the organization's plan tier: CPUs (a quota, e.g. 0.5), memory in MiB (swap equal
 * to it: no swap), the deadline in milliseconds the service enforces, the most processes, the most output bytes kept
 * (stdout and stderr together), and whether the container gets a network at all.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Limits(String tier, double cpus, long memoryMb, long timeoutMs, long pids, long maxOutputBytes,
                     boolean network) {
}
