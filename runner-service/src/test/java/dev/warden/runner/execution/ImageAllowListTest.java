package dev.warden.runner.execution;

import dev.warden.runner.engine.ContainerEngine;
import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.runner.support.RunnerFixtures.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * An allow-list of images on a real Podman: an organization runs the shared images and its own, and not another's
 * private image, by its name or by naming its digest under an allowed name (the engine's store resolves
 * {@code allowed/name@sha256:<digest>} to whichever image has that digest: a user trial ran another organization's
 * image so).
 */
@QuarkusTest
@TestProfile(ImageAllowListTest.AllowList.class)
class ImageAllowListTest {

    static final UUID OWNER = UUID.fromString("0000000a-11e5-4000-8000-00000000000a");
    static final String PRIVATE = "localhost/private-" + OWNER.toString().substring(0, 8) + "/secret-agent:1";

    public static class AllowList implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.runner.images.allowed", "localhost/warden/",
                    "warden.runner.images.org", OWNER + "=localhost/private-" + OWNER.toString().substring(0, 8) + "/");
        }
    }

    @Inject
    ContainerEngine engine;

    @Test
    void anotherOrganizationsPrivateImageRunsNeitherByItsNameNorByItsDigestUnderAnAllowedName() {
        WardenInfra.podman().importImage(PRIVATE, List.of("sh", "-c", "echo private-image-ran"));
        String digest = digestOf(PRIVATE);
        TestOrg owner = RunnerFixtures.organization(OWNER);
        TestOrg other = RunnerFixtures.organization();

        // Its owner runs it
        as(owner, "operator").post("/v1/agents/" + RunnerFixtures.agent(owner, PRIVATE) + "/run").then().statusCode(200)
                .body("status", equalTo("success")).body("stdout[0]", equalTo("private-image-ran"));
        // Another organization, by its name: refused before anything runs
        String byName = RunnerFixtures.agent(other, PRIVATE);
        as(other, "operator").post("/v1/agents/" + byName + "/run").then().statusCode(403)
                .body("error.message", containsString("not among those this organization may run"));
        // Nor by its digest under a name the organization may run
        String byDigest = RunnerFixtures.agent(other, "localhost/warden/anything@" + digest);
        as(other, "operator").post("/v1/agents/" + byDigest + "/run").then().statusCode(403)
                .body("error.code", equalTo("forbidden"))
                .body("error.message", containsString(PRIVATE));
        as(other, "viewer").get("/v1/agents/" + byDigest + "/executions").then().statusCode(200).body("total", equalTo(0));

        // An allowed image by its own digest still runs
        String hello = RunnerFixtures.agent(other, "localhost/warden/test-hello@" + digestOf(TestImages.HELLO));
        as(other, "operator").post("/v1/agents/" + hello + "/run").then().statusCode(200)
                .body("status", equalTo("success")).body("stdout[0]", equalTo("hello"));
    }

    /** The image's manifest digest, as the engine's store names it ({@code <name>@sha256:...}). */
    private String digestOf(String image) {
        return engine.resolve(image).orElseThrow().names().stream().filter(n -> n.contains("@sha256:")).findFirst()
                .map(n -> n.substring(n.indexOf('@') + 1)).orElseThrow(() -> new AssertionError("no digest for " + image));
    }
}
