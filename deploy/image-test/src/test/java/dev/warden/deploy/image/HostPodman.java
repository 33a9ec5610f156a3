package dev.warden.deploy.image;

import dev.warden.testing.LocalPodman;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code podman} with this machine's own configuration: the store the build loaded the images into. */
final class HostPodman {

    private HostPodman() {
    }

    /** Runs {@code podman args...}; answers its standard output, fails with its error output on a non-zero exit. */
    static String run(String... args) {
        List<String> command = new ArrayList<>(List.of(LocalPodman.podmanBinary().orElseThrow(() ->
                new IllegalStateException("Podman is not installed (.ci/run installs it)")).toString()));
        command.addAll(List.of(args));
        try {
            Path errors = Files.createTempFile("podman", ".err");
            try {
                Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                    throw new IllegalStateException("podman " + String.join(" ", args) + " failed: "
                            + Files.readString(errors) + output);
                }
                return output;
            } finally {
                Files.delete(errors);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
