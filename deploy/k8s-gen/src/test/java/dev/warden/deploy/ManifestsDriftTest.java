package dev.warden.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** deploy/k8s is what the generator writes from deploy/routes.json and the event contract, byte for byte. */
class ManifestsDriftTest {

    @Test
    void theCommittedManifestsAreWhatTheGeneratorWrites() throws IOException {
        Map<String, String> expected = Generate.render(Yaml.root());
        TreeSet<String> onDisk = new TreeSet<>();
        try (var files = Files.walk(Yaml.k8s())) {
            files.filter(Files::isRegularFile).forEach(f -> onDisk.add(Yaml.k8s().relativize(f).toString()));
        }
        StringBuilder drift = new StringBuilder();
        for (var file : expected.entrySet()) {
            Path path = Yaml.k8s().resolve(file.getKey());
            if (!Files.exists(path)) {
                drift.append("\n  missing: deploy/k8s/").append(file.getKey());
            } else if (!Files.readString(path).equals(file.getValue())) {
                drift.append("\n  differs: deploy/k8s/").append(file.getKey());
            }
            onDisk.remove(file.getKey());
        }
        onDisk.forEach(extra -> drift.append("\n  not generated: deploy/k8s/").append(extra));
        if (!drift.isEmpty()) {
            fail("deploy/k8s is out of date with deploy/routes.json or the event contract:" + drift
                    + "\nRegenerate from the repository's root with: " + Generate.REGENERATE);
        }
    }

    @Test
    void generatingTwiceGivesTheSameBytes() {
        assertEquals(Generate.render(Yaml.root()), Generate.render(Yaml.root()));
    }
}
