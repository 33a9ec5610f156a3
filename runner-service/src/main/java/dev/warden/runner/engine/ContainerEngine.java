package dev.warden.runner.engine;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Where containers run: the Docker Engine API (Docker or Podman, {@link DockerEngine}) or Kubernetes Jobs. Every call
 * blocks: callers run them on the runner's worker pool, never on an event-loop thread.
 */
public interface ContainerEngine {

    /** Whether an engine is configured and answers now. */
    boolean available();

    /**
     * The image the engine would run for {@code reference}, as its own store resolves it: its id and every name it
     * carries (tags and digests). Empty when the engine holds no such image, or resolves no images itself (Kubernetes:
     * the node pulls the reference from its registry, which resolves a digest within the repository named). A Docker
     * or Podman store resolves {@code any/name@sha256:<digest>} to whichever image has that digest, whatever its
     * name, so an allow-list of names is checked against these names, not the reference's text.
     */
    default Optional<ResolvedImage> resolve(String reference) {
        return Optional.empty();
    }

    record ResolvedImage(String id, List<String> names) {
        public ResolvedImage {
            names = List.copyOf(names);
        }
    }

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
