package dev.warden.launcher.stack;

import dev.warden.testing.LocalPodman;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The container engine runner-service runs agents with (the Docker Engine API): {@code DOCKER_HOST} when set, else a
 * Docker or Podman socket already answering, else Podman's API started by {@link LocalPodman} when Podman is installed
 * (its storage in the data folder), else none: runner-service then answers 503 to runs and the rest works. Where the
 * launcher starts or finds an engine it imports {@link #DEMO_IMAGE}, the README tour's agent.
 */
record ContainerEngine(Optional<String> dockerHost, String description, LocalPodman started) {

    /** The demo agent of the README tour: busybox printing seed 001's example output. */
    static final String DEMO_IMAGE = "localhost/warden/demo-agent:1";
    static final List<String> DEMO_COMMAND = List.of("sh", "-c",
            "echo 'Processing 12 detections...'; echo 'Created 3 Jira tickets.'");
    private static final List<Path> WELL_KNOWN = List.of(Path.of("/run/podman/podman.sock"),
            Path.of("/var/run/docker.sock"));

    static ContainerEngine find(Path dataDir) {
        String env = System.getenv("DOCKER_HOST");
        if (env != null && !env.isBlank()) {
            return new ContainerEngine(Optional.of(env), "DOCKER_HOST " + env + " (the demo image is not imported there)", null);
        }
        for (Path socket : WELL_KNOWN) {
            if (LocalPodman.ping(socket)) {
                return new ContainerEngine(Optional.of("unix://" + socket), "found at " + socket
                        + " (the demo image is not imported there)", null);
            }
        }
        if (!LocalPodman.installed()) {
            return none("Podman is not installed (apt-get install -y podman runc busybox-static)");
        }
        try {
            LocalPodman podman = LocalPodman.start(dataDir.resolve("podman"));
            podman.importImage(DEMO_IMAGE, DEMO_COMMAND);
            return new ContainerEngine(Optional.of(podman.dockerHost()), "Podman API at " + podman.socket()
                    + ", demo image " + DEMO_IMAGE, podman);
        } catch (RuntimeException e) {
            return none("Podman could not start: " + e.getMessage());
        }
    }

    private static ContainerEngine none(String why) {
        return new ContainerEngine(Optional.empty(), "none: " + why + "; POST /v1/agents/{id}/run answers 503, the rest works", null);
    }

    boolean available() {
        return dockerHost.isPresent();
    }

    void stop() {
        if (started != null) {
            started.close();
        }
    }
}
