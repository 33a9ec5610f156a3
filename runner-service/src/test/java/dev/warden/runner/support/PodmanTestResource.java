package dev.warden.runner.support;

import dev.warden.testing.LocalPodman;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A real container engine for the service under test: Podman's API started by {@link WardenInfra#podman()} (which
 * fails, saying why, when it cannot: these tests never skip), with the test images imported.
 */
public class PodmanTestResource implements QuarkusTestResourceLifecycleManager {

    private static boolean imported;

    @Override
    public Map<String, String> start() {
        LocalPodman podman = WardenInfra.podman();
        synchronized (PodmanTestResource.class) {
            if (!imported) {
                TestImages.importAll(podman);
                imported = true;
            }
        }
        return Map.of("warden.runner.docker-host", podman.dockerHost());
    }

    @Override
    public void stop() {
        // The engine is shared by every test class of this JVM and stops with it.
    }
}
