package dev.warden.launcher.stack;

import dev.warden.launcher.LauncherException;
import dev.warden.launcher.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** One service, run as {@code java -jar <service>/target/quarkus-app/quarkus-run.jar} with its output in a log file. */
final class ServiceProcess {

    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static volatile HttpClient http = newClient();

    /**
     * The client the checks use, a new one once the last is terminated: a user trial's flood of the gateway ran the
     * launcher's heap out, the JDK client's selector thread died of it, and every later check of every service failed,
     * so the supervisor killed them all, again and again, though each was well.
     */
    static HttpClient http() {
        HttpClient current = http;
        if (current.isTerminated()) {
            synchronized (ServiceProcess.class) {
                if (http == current) {
                    http = newClient();
                }
                current = http;
            }
        }
        return current;
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    }

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    static ServiceProcess start(String name, Path jar, int port, Map<String, String> env, List<String> javaOptions,
                                Path workDir, Path log) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // Its own session: the terminal's Ctrl-C reaches the launcher only, which then stops services in order.
            command.add(SETSID.toString());
        }
        // The same java as the launcher's, so `bin/warden` picking a JDK picks it for everything.
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaOptions);
        command.addAll(List.of("-jar", jar.toString()));
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "%n=== %s: starting %s on port %d ===%n".formatted(Instant.now(), name, port),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            // Its working folder is the data folder, so no stray .env or config/ of the caller's folder applies.
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            return new ServiceProcess(name, port, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    Path log() {
        return log;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** Completes as soon as the process has exited, however it ended. */
    CompletableFuture<ServiceProcess> onExit() {
        return process.onExit().thenApply(exited -> this);
    }

    int exitCode() {
        return process.exitValue();
    }

    void kill() {
        process.destroyForcibly();
    }

    /**
     * Whether the service answers its liveness check ({@code GET /q/health/live}) with 200 within {@code timeout}:
     * completes {@code false} on any other answer, a refused connection or no answer in time. Never blocks the caller.
     */
    CompletableFuture<Boolean> live(Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/live"))
                .timeout(timeout).build();
        return http().sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, failure) -> failure == null && response.statusCode() == 200);
    }

    /**
     * Waits until the service says it is ready and, when {@code apiKey} is given, until it accepts that key on
     * {@code keyCheckPath}: keys reach the service through Kafka, a moment after its start.
     */
    void awaitReady(Duration timeout, String keyCheckPath, String apiKey, BooleanSupplier cancelled) {
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitOk("/q/health/ready", null, deadline, timeout, cancelled);
        if (apiKey != null) {
            awaitOk(keyCheckPath, apiKey, deadline, timeout, cancelled);
        }
    }

    private void awaitOk(String path, String apiKey, long deadline, Duration timeout, BooleanSupplier cancelled) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(3));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        int lastStatus = 0;
        while (true) {
            if (!process.isAlive()) {
                throw new LauncherException(name + " exited with code " + process.exitValue() + ":\n"
                        + StartFailure.describe(log) + "\n(the whole log: " + Progress.show(log) + ")");
            }
            if (cancelled.getAsBoolean()) {
                throw new LauncherException("stopped while " + name + " was starting");
            }
            if (System.nanoTime() > deadline) {
                throw new LauncherException(name + " was not ready within " + timeout.toSeconds() + " s (GET " + path
                        + (lastStatus == 0 ? " not answering" : " answered " + lastStatus) + "); see "
                        + Progress.show(log) + " or raise WARDEN_SERVICE_START_TIMEOUT");
            }
            try {
                lastStatus = http().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (lastStatus == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                lastStatus = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while waiting for " + name);
            }
            sleep(250);
        }
    }

    /** SIGTERM first, so Quarkus shuts down gracefully; a kill only if it does not finish in time. */
    String stop(Duration grace) {
        if (!process.isAlive()) {
            return "had already exited with code " + process.exitValue();
        }
        process.destroy();
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return "stopped (SIGTERM)";
            }
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        return "did not stop within " + grace.toSeconds() + " s of SIGTERM: killed";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
