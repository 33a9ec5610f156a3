package dev.warden.events.execution;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.UUID;

/**
 * The payloads of {@code warden.executions.v1}, keyed by agent id, described in
 * {@code schemas/warden.executions.v1.json}. Together they prove what ran (image, the digest the engine resolved,
 * version, the limits it ran under) and what it printed (line counts and SHA-256 of each stream's kept output).
 */
public final class ExecutionEvents {

    private ExecutionEvents() {
    }

    /** The tier's limits a run got. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ExecutionLimits(String tier, double cpus, long memoryMb, long timeoutMs, long pids,
                                  long maxOutputBytes, boolean network) {
    }

    /** started: the run was accepted and its container is about to be created. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ExecutionStarted(UUID executionId, UUID agentId, int version, String image,
                                   ExecutionLimits limits, String requestedBy, Instant startedAt) {
    }

    /**
     * finished: the outcome. {@code stdout_sha256} is the SHA-256 of the kept stdout lines, each followed by a newline
     * (so anyone holding the answer's {@code stdout} can recompute it); the same for stderr.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ExecutionFinished(UUID executionId, UUID agentId, int version, String image,
                                    @Schema(nullable = true) String imageDigest, ExecutionLimits limits, String status,
                                    @Schema(nullable = true) Integer exitCode, long durationMs, int stdoutLines,
                                    int stderrLines, String stdoutSha256, String stderrSha256, boolean truncated,
                                    @Schema(nullable = true) String error, String requestedBy, Instant startedAt,
                                    Instant finishedAt) {
    }
}
