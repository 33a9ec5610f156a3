package dev.warden.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Kafka broker in its own JVM, started from this JVM's classpath.
 * Its log directory survives {@link #stop()} so the same broker can be started again.
 */
public final class LocalKafka implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final CuttableProxy front;
    private Process process;

    private LocalKafka(Path dir, int port, int controllerPort, CuttableProxy front) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.front = front;
    }

    /** Starts a broker with its data in {@code dir}; port 0 picks a free port. */
    public static LocalKafka start(Path dir, int port) {
        return start(dir, port, null);
    }

    /**
     * Also listens on {@code front}'s target port, and tells the clients that connect there to reach the broker at
     * {@code front}'s own port: every connection of such a client goes through the proxy, so cutting it is a broker
     * outage for that client alone.
     */
    public static LocalKafka start(Path dir, int port, CuttableProxy front) {
        LocalKafka kafka = new LocalKafka(dir, port == 0 ? freePort() : port, freePort(), front);
        kafka.startProcess();
        return kafka;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Stops the broker cleanly; its data stays for a later {@link #restart()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public synchronized void restart() {
        stop();
        startProcess();
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void startProcess() {
        try {
            Files.createDirectories(dir);
            Path props = writeProperties();
            Path logs = dir.resolve("logs");
            if (!Files.exists(logs.resolve("meta.properties"))) {
                run("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", props.toString(),
                        "--ignore-formatted");
            }
            process = java("kafka.Kafka", props.toString()).start();
            awaitReady(Duration.ofSeconds(90));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Kafka in " + dir, e);
        }
    }

    private Path writeProperties() throws IOException {
        String frontListener = front == null ? "" : ",FRONT://127.0.0.1:" + front.targetPort();
        String frontAdvertised = front == null ? "" : ",FRONT://127.0.0.1:" + front.port();
        String props = String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort + frontListener,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + frontAdvertised,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,FRONT:PLAINTEXT",
                "log.dirs=" + dir.resolve("logs"),
                "num.partitions=3",
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.flush.interval.ms=1000",
                "");
        Path file = dir.resolve("server.properties");
        Files.writeString(file, props);
        return file;
    }

    private void run(String mainClass, String... args) throws IOException {
        Process p = java(mainClass, args).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(mainClass + " failed; see " + dir.resolve("kafka.log"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlog4j2.level=WARN", "-Dkafka.logs.dir=" + dir.resolve("server-logs"),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        // Output goes to a file: a child that inherits stdout corrupts Surefire's channel.
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile()));
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka exited with " + process.exitValue() + "; see "
                        + dir.resolve("kafka.log"));
            }
            try (Admin admin = Admin.create(config)) {
                if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception notYet) {
                sleep(200);
            }
        }
        throw new IllegalStateException("Kafka did not become ready in " + timeout + "; see " + dir.resolve("kafka.log"));
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
