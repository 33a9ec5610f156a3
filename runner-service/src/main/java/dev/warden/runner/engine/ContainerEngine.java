package dev.warden.runner.engine;

import java.util.List;
import java.util.UUID;

/**
 * Where containers run: the Docker Engine API (Docker or Podman, {@link DockerEngine}) or Kubernetes Jobs. Every call
 * blocks: callers run them on the runner's worker pool, never on an event-loop thread.
 */
public interface ContainerEngine {

    /** Whether an engine is configured and answers now. */
    boolean available();

    /**
     * Runs {@code spec} to its end under its limits: creates the container, starts it, enforces the deadline (kill,
     * then {@code timeout}), collects the output into {@code output}, and always removes the container.
     */
    RunResult run(RunSpec spec, OutputCollector output);

    /**
     * Kills and removes every container {@code instance} started that is still there (a previous life of this
     * instance died mid-run); answers the executions they belonged to.
     */
    List<Orphan> reapOrphans(String instance);

    record Orphan(UUID executionId, UUID orgId, String containerId) {
    }
}
