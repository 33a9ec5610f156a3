package dev.warden.runner.engine;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Where containers run: the Docker Engine API (Docker or Podman, {@link DockerEngine}) or Kubernetes Jobs. Every call
 * blocks: callers run them on the runner's worker pool, never on an event-loop thread.
 */
public interface ContainerEngine {

    /** The label naming the replica (its instance name) that started a run's container. */
    String LABEL_INSTANCE = "dev.warden.runner.instance";
    /** The labels naming the run's execution and organization. */
    String LABEL_EXECUTION = "dev.warden.runner.execution";
    String LABEL_ORG = "dev.warden.runner.org";
    /** The bytes of output a run's tier keeps: what is read of an orphan's log. */
    String LABEL_MAX_OUTPUT = "dev.warden.runner.max-output-bytes";

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
     * instance died mid-run); answers the executions they belonged to, each with what its container printed until
     * it was killed, read before it was removed.
     */
    List<Orphan> reapOrphans(String instance);

    /**
     * A container a replica left mid-run: its execution and organization (its labels), and what it printed until it
     * was killed, at most its tier's bytes ({@link #LABEL_MAX_OUTPUT}; nothing for a container without that label,
     * started by a version that did not set it), and its image's digest where the engine says.
     */
    record Orphan(UUID executionId, UUID orgId, String containerId, List<String> stdout, List<String> stderr,
                  boolean truncated, String imageDigest) {

        public Orphan {
            stdout = List.copyOf(stdout);
            stderr = List.copyOf(stderr);
        }

        static Orphan of(Map<String, String> labels, String containerId, OutputCollector printed, String imageDigest) {
            printed.finish();
            return new Orphan(UUID.fromString(labels.get(LABEL_EXECUTION)), UUID.fromString(labels.get(LABEL_ORG)),
                    containerId, printed.stdout(), printed.stderr(), printed.truncated(), imageDigest);
        }
    }

    /** The labels of {@code spec}'s container (or Job). */
    static Map<String, String> labels(RunSpec spec) {
        return Map.of(LABEL_INSTANCE, spec.instance(), LABEL_EXECUTION, spec.executionId().toString(),
                LABEL_ORG, spec.orgId().toString(), LABEL_MAX_OUTPUT, String.valueOf(spec.limits().maxOutputBytes()));
    }

    /** The output cap a container's labels carry: 0 (read nothing) without one. */
    static long maxOutput(Map<String, String> labels) {
        try {
            return Math.max(0, Long.parseLong(labels.getOrDefault(LABEL_MAX_OUTPUT, "0")));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
