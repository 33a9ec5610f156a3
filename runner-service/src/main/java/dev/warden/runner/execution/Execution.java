package dev.warden.runner.execution;

import dev.warden.runner.engine.Limits;
import dev.warden.runner.engine.Outcome;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One run of an agent's container: seed 001's answer ({@code execution_id}, {@code status}, {@code exit_code},
 * {@code duration_ms}, {@code stdout}, {@code stderr} as arrays of lines) and what proves what ran: the agent, its
 * version, the image and the digest the engine resolved, the tier's limits, whether output was dropped past the cap.
 */
@Schema(name = "Execution")
public record Execution(
        UUID executionId,
        @Schema(description = "running until the container has exited; then success, failure (non-zero exit), "
                + "timeout (killed at the tier's deadline), oom (killed for memory) or error (it could not run)")
        Outcome status,
        @Schema(nullable = true, description = "null while running, or when the container never ran") Integer exitCode,
        @Schema(nullable = true, description = "From start to exit; null while running") Long durationMs,
        @Schema(description = "The output's lines, up to the tier's byte cap") List<String> stdout,
        List<String> stderr,
        @Schema(description = "true when output past the tier's cap was dropped") boolean truncated,
        UUID agentId,
        int version,
        String image,
        @Schema(nullable = true, description = "The image id the engine resolved (sha256:...)") String imageDigest,
        Limits limits,
        @Schema(nullable = true, description = "What went wrong, for status error; for a timeout whose container "
                + "never started, why (on Kubernetes: a pod no node took)") String error,
        String requestedBy,
        Instant startedAt,
        @Schema(nullable = true) Instant finishedAt) {

    public Execution finished(Outcome status, Integer exitCode, long durationMs, List<String> stdout, List<String> stderr,
                              boolean truncated, String imageDigest, String error, Instant finishedAt) {
        return new Execution(executionId, status, exitCode, durationMs, stdout, stderr, truncated, agentId, version,
                image, imageDigest, limits, error, requestedBy, startedAt, finishedAt);
    }
}
