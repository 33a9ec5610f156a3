package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pods get the variables the code reads: the launcher's per-service table (ServiceEnv) and its migration step's
 * variables, and the ones MigrateMain requires, read from their sources, so a variable added there and not here
 * fails this test.
 */
class EnvironmentTest {

    /**
     * Left out on Kubernetes on purpose: the demo organization and its key are the launcher's, and DOCKER_HOST names the
     * local container engine, where on Kubernetes runner-service runs Jobs (WARDEN_RUNNER_ENGINE); docs/deploy.md.
     */
    static final Set<String> LAUNCHER_ONLY = Set.of("WARDEN_BOOTSTRAP_ORG", "WARDEN_BOOTSTRAP_API_KEY", "DOCKER_HOST");

    @Test
    void everyServiceGetsEveryVariableTheLauncherGivesIt() throws IOException {
        String source = Files.readString(Yaml.root().resolve(
                "launcher/src/main/java/dev/warden/launcher/stack/ServiceEnv.java"));
        Set<String> launcher = names(source, "new Row\\(\"([A-Z0-9_{}]+)\"");
        assertTrue(launcher.size() > 5, "ServiceEnv's table was not found: " + launcher);
        List<ObjectNode> objects = Yaml.rendered();
        RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));
        for (String service : table.services().keySet()) {
            Set<String> expected = new TreeSet<>();
            for (String name : launcher) {
                String variable = name.replace("{P}", Names.envPrefix(service));
                boolean auditOnly = variable.startsWith("WARDEN_AUDIT_SIGNING");
                if (!LAUNCHER_ONLY.contains(variable) && (!auditOnly || service.equals(Names.AUDIT_SIGNER))) {
                    expected.add(variable);
                }
            }
            Set<String> given = new TreeSet<>();
            JsonNode app = OverlaysTest.workload(objects, service).at("/spec/template/spec/containers/0");
            app.path("env").forEach(e -> given.add(e.path("name").asText()));
            OverlaysTest.find(objects, "ConfigMap", Workloads.configMap(service)).path("data").fieldNames()
                    .forEachRemaining(given::add);
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(given);
            assertEquals(Set.of(), missing, service + " lacks variables the launcher gives it");
        }
    }

    @Test
    void theMigrationStepGetsWhatMigrateMainAndTheLauncherGiveIt() throws IOException {
        String main = Files.readString(Yaml.root().resolve(
                "libs/warden-tenancy/src/main/java/dev/warden/tenancy/db/MigrateMain.java"));
        Set<String> required = names(main, "required\\(env, \"([A-Z0-9_]+)\"");
        required.addAll(names(main, "getOrDefault\\(\"([A-Z0-9_]+)\""));
        String launcher = Files.readString(Yaml.root().resolve(
                "launcher/src/main/java/dev/warden/launcher/stack/ServiceEnv.java"));
        Set<String> fromLauncher = names(launcher.substring(launcher.indexOf("static Map<String, String> migration(")),
                "^\\s*\"(WARDEN_[A-Z0-9_]+)\",");
        assertTrue(required.size() >= 3 && !fromLauncher.isEmpty(), required + " " + fromLauncher);
        for (String service : RoutingTable.load(Yaml.root().resolve("deploy/routes.json")).services().keySet()) {
            Set<String> given = new TreeSet<>();
            OverlaysTest.workload(Yaml.rendered(), service).at("/spec/template/spec/initContainers/0/env")
                    .forEach(e -> given.add(e.path("name").asText()));
            assertTrue(given.containsAll(required), service + ": " + given + " lacks some of " + required);
            assertTrue(given.containsAll(fromLauncher), service + ": " + given + " lacks some of " + fromLauncher);
        }
    }

    private static Set<String> names(String source, String regex) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(source);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
