package dev.warden.launcher.stack;

import dev.warden.launcher.LauncherException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service's migration step: {@code dev.warden.tenancy.db.MigrateMain} from the service's own build, with the schema
 * owner's credentials, before the service starts with the runtime role only. Its output goes to the service's log.
 */
final class MigrationStep {

    private static final String MAIN = "dev.warden.tenancy.db.MigrateMain";

    private final String service;
    private final Path log;
    private final Process process;

    private MigrationStep(String service, Path log, Process process) {
        this.service = service;
        this.log = log;
        this.process = process;
    }

    /** Starts migrating {@code service}, whose fast-jar is {@code jar} ({@code .../quarkus-app/quarkus-run.jar}). */
    static MigrationStep start(String service, Path jar, Map<String, String> env, Path workDir, Path log) {
        Path app = jar.getParent();
        String classPath = String.join(java.io.File.pathSeparator,
                app.resolve("app") + "/*", app.resolve("lib/boot") + "/*", app.resolve("lib/main") + "/*");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp", classPath, MAIN);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "%n=== %s: migrating %s ===%n".formatted(Instant.now(), service),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            return new MigrationStep(service, log, builder.start());
        } catch (IOException e) {
            throw new LauncherException("could not start the migration of " + service + ": " + e.getMessage(), e);
        }
    }

    /** Waits for the step; a failure names the log that says why. */
    void await(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new LauncherException("migrating " + service + " took longer than " + timeout.toSeconds()
                        + " s; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new LauncherException("interrupted while migrating " + service);
        }
        if (process.exitValue() != 0) {
            throw new LauncherException("migrating " + service + " failed (exit " + process.exitValue() + "):\n"
                    + StartFailure.describe(log) + "\n(the whole log: " + log + ")");
        }
    }
}
