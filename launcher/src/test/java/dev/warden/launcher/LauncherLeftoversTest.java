package dev.warden.launcher;

import dev.warden.launcher.stack.Stack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.warden.launcher.LauncherSupervisionTest.tee;
import static dev.warden.launcher.LauncherSupervisionTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of the launcher: it cannot stop what it started, so PostgreSQL, Kafka and the services live on, holding
 * their ports. The next launcher on the same data folder and ports stops them, says so, and starts cleanly.
 */
class LauncherLeftoversTest {

    @TempDir
    Path data;

    @TempDir
    Path console;

    @Test
    void theNextUpStopsWhatAKilledLauncherLeftAndStartsOnTheSamePorts() throws Exception {
        Map<String, String> settings = Map.of(
                "WARDEN_DATA_DIR", data.toString(),
                "WARDEN_REPO_DIR", Path.of("..").toAbsolutePath().normalize().toString(),
                "WARDEN_PG_PORT", String.valueOf(freePort()),
                "WARDEN_KAFKA_PORT", String.valueOf(freePort()),
                "WARDEN_GATEWAY_PORT", String.valueOf(freePort()),
                "WARDEN_SERVICE_PORTS", "free",
                // runner-service for Podman's API, which the launcher starts for it
                "WARDEN_SERVICES", "agent-service,audit-service,runner-service");

        Process old = startLauncher(settings, console.resolve("old-launcher.txt"));
        List<ProcessHandle> leftBehind = suiteProcesses(old);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Stack next = new Stack(LauncherConfig.from(Settings.of(settings)), new Progress(tee(output), Stack.STEPS));
        try {
            // Inside the try: a failure here must not leave the old suite running (it once did, for two hours)
            assertTrue(leftBehind.size() >= 6, "PostgreSQL, Kafka, Podman's API and three services: " + leftBehind);
            old.destroyForcibly().waitFor();
            assertTrue(leftBehind.stream().allMatch(ProcessHandle::isAlive), "nothing stops by itself");

            Stack.Running running = next.start();
            String said = text(output);
            assertTrue(said.contains("Left running by a launcher that did not stop: postgresql"), said);
            assertTrue(said.contains("Left running by a launcher that did not stop: kafka"), said);
            assertTrue(said.contains("Left running by a launcher that did not stop: audit-service"), said);
            // Adopted before, and left running after this launcher's own stop
            assertTrue(said.contains("Left running by a launcher that did not stop: podman"), said);
            for (ProcessHandle process : leftBehind) {
                assertFalse(process.isAlive(), process + " " + process.info().commandLine().orElse(""));
            }
            assertEquals(Integer.parseInt(settings.get("WARDEN_GATEWAY_PORT")), running.gatewayPort());
            HttpResponse<String> agents = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(running.gatewayUrl() + "/v1/agents")).header("X-API-Key", running.adminApiKey()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, agents.statusCode(), agents.body());
        } finally {
            next.stop();
            old.destroyForcibly();
            leftBehind.forEach(ProcessHandle::destroyForcibly); // whatever happened above, nothing is left running
        }
        assertFalse(Files.list(data.resolve("run")).findAny().isPresent(), "a clean stop leaves no records");
    }

    @Test
    void downFromAnotherTerminalStopsTheLauncherAndEverythingItRunsInOrder() throws Exception {
        Map<String, String> settings = LauncherSupervisionTest.localSuite(data, "agent-service");
        Process launcher = startLauncher(settings, console.resolve("launcher.txt"));
        List<ProcessHandle> running = suiteProcesses(launcher);
        try {
            // A second up on the same folder is refused, and leaves the running launcher's record alone
            String refused = launch(settings, console.resolve("second-up.txt"));
            assertTrue(refused.contains("Another launcher (pid " + launcher.pid() + ") runs on the data folder"), refused);
            assertTrue(Files.isRegularFile(data.resolve("run/launcher.pid")), "the running launcher's record is kept");

            String said = down(settings, console.resolve("down.txt"));
            assertTrue(said.contains("Stopping the launcher (pid " + launcher.pid() + ")"), said);
            assertTrue(said.contains("Stopped; data kept in"), said);
            assertTrue(launcher.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "down returns once the launcher ended");
            assertEquals(0, launcher.exitValue());
            String launcherSaid = read(console.resolve("launcher.txt"));
            assertTrue(launcherSaid.contains("Stopping Warden") && launcherSaid.contains("Stopped; data kept in"),
                    launcherSaid);
            for (ProcessHandle process : running) {
                assertFalse(runs(process), process + " " + process.info().commandLine().orElse(""));
            }
            assertFalse(Files.list(data.resolve("run")).findAny().isPresent(), "a clean stop leaves no records");

            String again = down(settings, console.resolve("down-again.txt"));
            assertTrue(again.contains("Nothing of Warden runs on"), again);
        } finally {
            launcher.destroyForcibly();
            running.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** What the launcher runs: its descendants, and PostgreSQL, which detached itself. */
    private List<ProcessHandle> suiteProcesses(Process launcher) throws IOException {
        List<ProcessHandle> processes = new ArrayList<>(launcher.descendants().toList());
        processes.add(ProcessHandle.of(Long.parseLong(
                Files.readAllLines(data.resolve("postgres/postmaster.pid")).getFirst().trim())).orElseThrow());
        return processes;
    }

    /**
     * Alive and not a zombie: a PostgreSQL worker whose postmaster ended before reaping it is handed to pid 1, which in
     * some containers never reaps anything; it runs nothing and holds nothing.
     */
    private static boolean runs(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 1).trim().startsWith("Z");
        } catch (IOException gone) {
            return false;
        }
    }

    /** {@code bin/warden down} (the launcher's {@code down}) as its own JVM; returns what it printed once it ended. */
    private static String down(Map<String, String> settings, Path consoleFile) throws Exception {
        return run(settings, consoleFile, 0, "down");
    }

    /** {@code bin/warden up} that must be refused (exit 1) at once; returns what it printed. */
    private static String launch(Map<String, String> settings, Path consoleFile) throws Exception {
        return run(settings, consoleFile, 1);
    }

    private static String run(Map<String, String> settings, Path consoleFile, int exitCode, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(consoleFile.toFile());
        builder.environment().putAll(settings);
        Process process = builder.start();
        assertTrue(process.waitFor(4, java.util.concurrent.TimeUnit.MINUTES), String.join(" ", args) + " ends");
        String said = read(consoleFile);
        assertEquals(exitCode, process.exitValue(), said);
        return said;
    }

    /** {@code bin/warden up} as its own JVM, as the user runs it; returns once it says it is ready. */
    private static Process startLauncher(Map<String, String> settings, Path consoleFile) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dio.netty.noUnsafe=true", "-cp", System.getProperty("java.class.path"), Launcher.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(consoleFile.toFile());
        builder.environment().putAll(settings);
        Process launcher = builder.start();
        try {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).until(() -> {
                assertTrue(launcher.isAlive(), () -> "the launcher exited: " + read(consoleFile));
                return read(consoleFile).contains("Warden is ready.");
            });
        } catch (RuntimeException | AssertionError e) {
            launcher.destroy();
            throw e;
        }
        return launcher;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
