package dev.warden.runner.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Docker Engine API through docker-java (Docker, or Podman's compatible socket): {@code DOCKER_HOST}. A run is
 * create, start, follow the logs, poll inspect every 50 ms until the container exits or the deadline passes (then
 * SIGKILL: {@code timeout}), and always remove. Podman reports exit 137 but leaves OOMKilled false after an OOM kill,
 * and its wait endpoint is slow, hence the polling (ENVIRONMENT.md). Every call blocks.
 */
public final class DockerEngine implements ContainerEngine, AutoCloseable {

    /** A user with no name and no home: uid and gid 65534 (nobody). */
    static final long NOBODY = 65534;
    static final String USER = NOBODY + ":" + NOBODY;
    /** The size of a run's writable {@code /tmp}, in memory. */
    static final int TMP_SIZE_MB = 16;
    private static final String SCRATCH = "rw,noexec,nosuid,nodev,size=" + TMP_SIZE_MB + "m,mode=1777";
    private static final Logger LOG = Logger.getLogger(DockerEngine.class);
    private static final Duration POLL = Duration.ofMillis(50);
    /** How long the read of the whole log after the exit may take. */
    private static final Duration REREAD = Duration.ofSeconds(30);
    /** The same while the container runs on (the cap reached): the poll loop, and so the deadline's kill, waits for it. */
    private static final Duration MID_RUN_REREAD = Duration.ofSeconds(2);

    /** The longest an engine's answer may take but a followed log stream's (over TCP; see {@link #available()}). */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    /** The longest {@link #available()} waits for the engine's ping: a run asked of a hung engine is a prompt 503. */
    static final Duration PING_TIMEOUT = Duration.ofSeconds(3);

    private final String host;
    /** Every call but the followed log stream, each answered within {@link #ANSWER_TIMEOUT}. */
    private final DockerClient client;
    /** The followed log streams, which may stay silent as long as the longest deadline. */
    private final DockerClient streams;
    private final DockerClient ping;
    private final ExecutorService pinger = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "warden-engine-ping");
        t.setDaemon(true);
        return t;
    });

    public DockerEngine(String dockerHost) {
        this.host = dockerHost;
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
        // Response timeouts, where the transport applies them (TCP): a hung engine is then an error, not an hour's wait
        this.client = client(config, 256, ANSWER_TIMEOUT);
        this.streams = client(config, 256, Duration.ofHours(1));
        this.ping = client(config, 16, PING_TIMEOUT);
    }

    /** A client whose pool of {@code connections} starts again once one is found dead ({@link FreshConnections}). */
    private static DockerClient client(DockerClientConfig config, int connections, Duration responseTimeout) {
        return DockerClientImpl.getInstance(config, new FreshConnections(() -> new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(connections)
                .connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(responseTimeout)
                .build(), config.getDockerHost().toString()));
    }

    public String host() {
        return host;
    }

    /**
     * Whether the engine answers its ping within {@link #PING_TIMEOUT}. Waited for here, on one thread of its own: the
     * client's response timeout does not bound a read on a Unix socket, and a trial's run request on a frozen Podman
     * API (its process stopped, its socket accepting) never answered. A ping left waiting on a hung engine holds that
     * one thread; the pings after it time out in turn, and none is left behind.
     */
    @Override
    public boolean available() {
        Future<?> answered = pinger.submit(() -> ping.pingCmd().exec());
        try {
            answered.get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            answered.cancel(true); // slow or hung, not gone: its connections are kept
            LOG.debugf("The container engine at %s did not answer its ping within %s", host, PING_TIMEOUT);
            return false;
        } catch (ExecutionException e) {
            // Gone (refused): once it is back, a call that meets a connection to its old process goes on new ones
            LOG.debugf("The container engine at %s does not answer: %s", host, e.getCause().getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The container's writable places, each a small tmpfs nobody may execute from: /tmp, the /var/tmp and /run Podman
     * mounts executable on a read-only root, and every VOLUME the image declares (an anonymous volume was the host's
     * disk, unbounded and executable). Bounded by the memory limit too: tmpfs is charged to the container. (Under
     * Podman a tmpfs over a directory of the image takes that directory's mode: an image whose /tmp is not 1777 gives
     * nobody a /tmp it cannot write.)
     */
    private Map<String, String> scratch(String image) {
        Map<String, String> mounts = new LinkedHashMap<>();
        for (String path : List.of("/tmp", "/var/tmp", "/run")) {
            mounts.put(path, SCRATCH);
        }
        try {
            var config = client.inspectImageCmd(image).exec().getConfig();
            if (config != null && config.getVolumes() != null) {
                config.getVolumes().keySet().forEach(volume -> mounts.putIfAbsent(volume, SCRATCH));
            }
        } catch (NotFoundException e) {
            // Not in the engine: creating the container says so, as a run of an unknown image.
        }
        return mounts;
    }

    @Override
    public Optional<ResolvedImage> resolve(String reference) {
        try {
            InspectImageResponse image = client.inspectImageCmd(reference).exec();
            List<String> names = new ArrayList<>();
            if (image.getRepoTags() != null) {
                names.addAll(image.getRepoTags());
            }
            if (image.getRepoDigests() != null) {
                names.addAll(image.getRepoDigests());
            }
            return Optional.of(new ResolvedImage(image.getId(), names));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public RunResult run(RunSpec spec, OutputCollector output) {
        Limits limits = spec.limits();
        long memory = limits.memoryMb() * 1024 * 1024;
        HostConfig hostConfig = HostConfig.newHostConfig()
                .withMemory(memory)
                .withMemorySwap(memory)
                .withNanoCPUs(Math.round(limits.cpus() * 1_000_000_000L))
                .withPidsLimit(limits.pids())
                .withNetworkMode(limits.network() ? "bridge" : "none")
                .withReadonlyRootfs(true)
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withTmpFs(scratch(spec.image()))
                // /dev/shm (noexec already) no larger than the other scratch places: the engine's default is 64 MiB
                .withShmSize(TMP_SIZE_MB * 1024L * 1024L)
                // The engine's own copy of the output is bounded too: past the cap the service stops reading, and a
                // container printing on until its deadline must not fill the disk.
                .withLogConfig(new LogConfig(LogConfig.LoggingType.DEFAULT,
                        Map.of("max-size", String.valueOf(logFileBytes(limits)))));
        long begin = System.nanoTime();
        String id;
        try {
            id = client.createContainerCmd(spec.image())
                    .withName("warden-run-" + spec.executionId())
                    .withUser(USER)
                    .withLabels(ContainerEngine.labels(spec))
                    .withNetworkDisabled(!limits.network())
                    .withEnv(spec.environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                    .withHostConfig(hostConfig)
                    .exec().getId();
        } catch (NotFoundException e) {
            output.finish();
            return RunResult.error("image not found: " + spec.image(), millisSince(begin), null);
        } catch (RuntimeException e) {
            output.finish();
            LOG.warnf("Could not create the container of execution %s: %s", spec.executionId(), e.getMessage());
            return RunResult.error("the container could not be created: " + e.getMessage(), millisSince(begin), null);
        }
        String digest = null;
        LogReader logs = new LogReader(output);
        try {
            digest = digest(client.inspectContainerCmd(id).exec().getImageId());
            client.startContainerCmd(id).exec();
            long started = System.nanoTime();
            streams.logContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(true).exec(logs);
            long deadline = started + TimeUnit.MILLISECONDS.toNanos(limits.timeoutMs());
            boolean timedOut = false;
            InspectContainerResponse.ContainerState state;
            int failedInspections = 0;
            boolean readEarly = false;
            OomWatch oom = new OomWatch(id);
            while (true) {
                if (!readEarly && output.full()) {
                    // The cap is reached while the container runs: the engine's file still holds the beginning (it
                    // keeps 16 times the cap), read now
                    readEarly = true;
                    settle(id, output, limits.maxOutputBytes(), MID_RUN_REREAD);
                }
                try {
                    state = client.inspectContainerCmd(id).exec().getState();
                    failedInspections = 0;
                } catch (NotFoundException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // Podman may fail an inspection while the container exits ("read /proc/<pid>/cgroup: no such
                    // process"): asked again, not the run's end
                    if (++failedInspections > 3) {
                        throw e;
                    }
                    Thread.sleep(POLL.toMillis());
                    continue;
                }
                if (Boolean.TRUE.equals(state.getRunning())) {
                    oom.look(state.getPidLong());
                }
                if (!Boolean.TRUE.equals(state.getRunning()) && ("exited".equals(state.getStatus())
                        || "dead".equals(state.getStatus()) || "stopped".equals(state.getStatus()))) {
                    break;
                }
                if (System.nanoTime() >= deadline && !timedOut) {
                    timedOut = true;
                    kill(id);
                }
                Thread.sleep(POLL.toMillis());
            }
            long duration = millisSince(started);
            logs.awaitEnd(Duration.ofSeconds(5));
            if (!output.ended()) {
                settle(id, output, limits.maxOutputBytes(), REREAD); // not yet, or the early read did not finish
            }
            output.finish();
            long exit = state.getExitCodeLong() == null ? -1 : state.getExitCodeLong();
            Outcome status = Outcome.of(exit, timedOut, Boolean.TRUE.equals(state.getOOMKilled()) || oom.killed());
            return new RunResult(status, (int) exit, duration, output.stdout(), output.stderr(), output.truncated(),
                    digest, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            output.finish();
            return RunResult.interrupted(output, millisSince(begin), digest);
        } catch (RuntimeException e) {
            output.finish();
            LOG.warnf("Execution %s failed in the engine: %s", spec.executionId(), e.getMessage());
            return RunResult.error("the engine failed: " + e.getMessage(), millisSince(begin), digest);
        } finally {
            logs.closeQuietly();
            remove(id);
        }
    }

    /**
     * Reads the container's log as the engine holds it now, not followed, and makes it the output: the followed
     * stream can skip lines (Podman drops what its reader has not taken yet), a plain read does not. If the read
     * fails or takes longer than {@code bound}, the live feed's lines stay the output.
     */
    private void settle(String id, OutputCollector output, long maxBytes, Duration bound) throws InterruptedException {
        OutputCollector complete = new OutputCollector(maxBytes);
        if (readLog(id, complete, bound)) {
            output.settle(complete);
        } else {
            LOG.warnf("The live feed's lines of container %s are kept", id);
        }
    }

    /** Reads the container's log as the engine holds it now into {@code output}; answers whether it was read whole in time. */
    private boolean readLog(String id, OutputCollector output, Duration bound) throws InterruptedException {
        LogReader reader = new LogReader(output);
        try {
            client.logContainerCmd(id).withStdOut(true).withStdErr(true).exec(reader);
            if (reader.awaitEnd(bound)) {
                return true;
            }
            LOG.warnf("Reading the log of container %s took over %s", id, bound);
        } catch (RuntimeException e) {
            LOG.warnf("Reading the log of container %s failed: %s", id, e.getMessage());
        } finally {
            reader.closeQuietly();
        }
        return false;
    }

    @Override
    public List<Orphan> reapOrphans(String instance) {
        List<Orphan> orphans = new ArrayList<>();
        List<Container> containers = client.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(LABEL_INSTANCE, instance)).exec();
        for (Container container : containers) {
            Map<String, String> labels = container.getLabels() == null ? Map.of() : container.getLabels();
            if (!instance.equals(labels.get(LABEL_INSTANCE))) {
                continue;
            }
            kill(container.getId());
            // What it printed until now, read before it goes: the record of its run keeps it, as a run's own would
            OutputCollector printed = new OutputCollector(ContainerEngine.maxOutput(labels));
            if (printed.maxBytes() > 0 && !Thread.currentThread().isInterrupted()) {
                try {
                    readLog(container.getId(), printed, REREAD);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // stopping: the containers are removed, unread
                }
            }
            remove(container.getId());
            try {
                orphans.add(Orphan.of(labels, container.getId(), printed, digest(container.getImageId())));
            } catch (RuntimeException e) {
                LOG.warnf("Removed container %s with malformed Warden labels %s", container.getId(), labels);
            }
        }
        return orphans;
    }

    @Override
    public void close() throws IOException {
        pinger.shutdownNow();
        try (DockerClient a = client; DockerClient b = streams; DockerClient c = ping) {
            // each closed, the others too if one fails
        }
    }

    private void kill(String id) {
        try {
            client.killContainerCmd(id).withSignal("KILL").exec();
        } catch (RuntimeException e) {
            // Already gone or already stopped: the inspect loop sees it.
            LOG.debugf("kill %s: %s", id, e.getMessage());
        }
    }

    /**
     * Kills and removes the container, also when the run's thread was interrupted (the service stopping): the flag is
     * set aside for the call, which an interrupted thread's HTTP client would give up at once, leaving the container
     * running past the service and its deadline.
     */
    private void remove(String id) {
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    client.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
                    return;
                } catch (NotFoundException e) {
                    return; // gone already
                } catch (RuntimeException e) {
                    // A container caught between states refuses for a moment (a two-replica trial's runs stopped by
                    // their agent's suspension: Podman's 500 "container state improper", 2 of 16 left behind until
                    // the replica restarted): killed and asked again, a few times
                    if (attempt >= REMOVE_ATTEMPTS) {
                        LOG.warnf("Could not remove container %s (%d attempts): %s", id, attempt, e.getMessage());
                        return;
                    }
                    kill(id);
                    try {
                        Thread.sleep(REMOVE_RETRY.toMillis());
                    } catch (InterruptedException again) {
                        interrupted = true;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final int REMOVE_ATTEMPTS = 5;
    private static final Duration REMOVE_RETRY = Duration.ofMillis(500);

    /**
     * The most the engine keeps on disk of a run's output: 16 times the cap, and at least 64 MiB. Podman truncates the
     * file from its start when it is full, so it must stay far above what the log reader may lag behind a flood
     * (at 1 MiB, a fast flood lost its first lines before the reader had them).
     */
    static long logFileBytes(Limits limits) {
        return Math.max(64L * 1024 * 1024, 16 * limits.maxOutputBytes());
    }

    /** The image id the engine resolved, as {@code sha256:<hex>}. */
    static String digest(String imageId) {
        if (imageId == null || imageId.isBlank()) {
            return null;
        }
        return imageId.contains(":") ? imageId : "sha256:" + imageId;
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /**
     * Whether the kernel's OOM killer killed any process of the container, read from its memory cgroup while it runs
     * ({@code oom_kill} in cgroup v2's {@code memory.events} or v1's {@code memory.oom_control}). Docker reports that
     * in {@code OOMKilled}; Podman leaves it false, and exit 137 only tells of the main process: a child killed for
     * memory under a main process that carried on and exited 0 read {@code success}. Only when the engine runs on
     * this host: the cgroup named in {@code /proc/<pid>/cgroup} must be the container's own (its path holds the
     * container's id), else nothing is read. A kill in the last poll interval before the exit may go unseen.
     */
    static final class OomWatch {

        private static final Path CGROUP = Path.of("/sys/fs/cgroup");
        private final String containerId;
        private Path counter;
        private boolean gaveUp;
        private boolean killed;

        OomWatch(String containerId) {
            this.containerId = containerId;
        }

        boolean killed() {
            return killed;
        }

        void look(Long pid) {
            if (killed || gaveUp || pid == null || pid <= 0) {
                return;
            }
            try {
                if (counter == null) {
                    counter = counterOf(Files.readAllLines(Path.of("/proc", pid.toString(), "cgroup")));
                    if (counter == null) {
                        gaveUp = true; // not this host's process, or no memory cgroup: nothing to learn here
                        return;
                    }
                }
                killed = oomKills(Files.readAllLines(counter)) > 0;
            } catch (IOException | RuntimeException e) {
                // The container may have just exited (its cgroup gone): the inspection says so next
            }
        }

        /** The file counting the container's OOM kills, from its {@code /proc/<pid>/cgroup}; null if none is its own. */
        Path counterOf(List<String> cgroupLines) {
            for (String line : cgroupLines) {
                String[] parts = line.split(":", 3);
                if (parts.length != 3 || !parts[2].contains(containerId)) {
                    continue;
                }
                String relative = parts[2].startsWith("/") ? parts[2].substring(1) : parts[2];
                if (parts[0].equals("0") && parts[1].isEmpty()) {
                    Path v2 = CGROUP.resolve(relative).resolve("memory.events");
                    if (Files.exists(v2)) {
                        return v2;
                    }
                } else if (List.of(parts[1].split(",")).contains("memory")) {
                    Path v1 = CGROUP.resolve("memory").resolve(relative).resolve("memory.oom_control");
                    if (Files.exists(v1)) {
                        return v1;
                    }
                }
            }
            return null;
        }

        static long oomKills(List<String> counters) {
            for (String line : counters) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).trim());
                }
            }
            return 0;
        }
    }

    /** Feeds the followed log frames into the collector; stops reading once the collector is full. */
    private static final class LogReader extends ResultCallback.Adapter<Frame> {

        private final OutputCollector output;

        LogReader(OutputCollector output) {
            this.output = output;
        }

        @Override
        public void onNext(Frame frame) {
            OutputCollector.Stream stream = frame.getStreamType() == StreamType.STDERR
                    ? OutputCollector.Stream.STDERR : OutputCollector.Stream.STDOUT;
            output.accept(stream, frame.getPayload());
            if (output.full()) {
                closeQuietly();
            }
        }

        /** Whether the stream ended within {@code bound}. */
        boolean awaitEnd(Duration bound) throws InterruptedException {
            return awaitCompletion(bound.toMillis(), TimeUnit.MILLISECONDS);
        }

        void closeQuietly() {
            try {
                close();
            } catch (IOException | RuntimeException e) {
                // Closing a stream that ended is fine.
            }
        }
    }
}
