package dev.warden.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outside dev and test a service has no built-in credentials: the built service, started as production starts it,
 * refuses to start and names each one missing; its migration step does the same with the owner's.
 */
class ServiceCredentialsTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void aServiceWithoutCredentialsRefusesToStartAndNamesEachOne() throws Exception {
        for (String service : List.of("agent-service", "audit-service")) {
            Run run = run(List.of(java(), "-jar", REPO.resolve(service + "/target/quarkus-app/quarkus-run.jar").toString()),
                    Map.of("WARDEN_" + service.replace("-service", "").toUpperCase() + "_PORT", "0"));
            assertEquals(1, run.exitCode(), run.output());
            List<String> names = new java.util.ArrayList<>(List.of("WARDEN_DB_APP_USER", "WARDEN_DB_APP_PASSWORD",
                    "KAFKA_SECURITY_PROTOCOL"));
            if (service.equals("audit-service")) {
                names.addAll(List.of("WARDEN_AUDIT_SIGNING_KEY", "WARDEN_AUDIT_SIGNING_PUBLIC_KEY"));
            }
            for (String name : names) {
                assertTrue(run.output().contains(name), service + " names " + name + ":\n" + run.output());
            }
        }
    }

    @Test
    void theMigrationStepWithoutTheOwnersCredentialsNamesEachOne() throws Exception {
        Path app = REPO.resolve("agent-service/target/quarkus-app");
        Run run = run(List.of(java(), "-cp", app.resolve("app") + "/*:" + app.resolve("lib/boot") + "/*:"
                        + app.resolve("lib/main") + "/*",
                "dev.warden.tenancy.db.MigrateMain"), Map.of());
        assertEquals(2, run.exitCode(), run.output());
        assertTrue(run.output().contains("missing WARDEN_DB_MIGRATION_URL, WARDEN_DB_OWNER_USER, WARDEN_DB_OWNER_PASSWORD"),
                run.output());
    }

    @Test
    void theMigrationStepWritesJsonLinesAsTheServicesDoUnderWardenLogJson() throws Exception {
        Path app = REPO.resolve("agent-service/target/quarkus-app");
        Run run = run(List.of(java(), "-cp", app.resolve("app") + "/*:" + app.resolve("lib/boot") + "/*:"
                        + app.resolve("lib/main") + "/*",
                "dev.warden.tenancy.db.MigrateMain"), Map.of("WARDEN_LOG_JSON", "true"));
        assertEquals(2, run.exitCode(), run.output());
        List<String> lines = run.output().lines().filter(line -> !line.isBlank()).toList();
        assertFalse(lines.isEmpty(), "it says what is missing");
        for (String line : lines) {
            JsonNode logged = new ObjectMapper().readTree(line);
            assertEquals("ERROR", logged.path("level").asText(), line);
            assertTrue(logged.path("message").asText().contains("missing WARDEN_DB_MIGRATION_URL"), line);
        }
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs with only PATH and {@code env}, as a fresh container would; output to a file, waited for. */
    private Run run(List<String> command, Map<String, String> env) throws Exception {
        Path out = dir.resolve("out-" + System.nanoTime() + ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after 120 s:\n" + Files.readString(out));
        }
        return new Run(process.exitValue(), Files.readString(out));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
