package dev.warden.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real container engine for tests, the launcher and the benchmarks: Podman's Docker-compatible API on a socket under
 * a build folder, configured as ENVIRONMENT.md says (runtime {@code runc}, cgroupfs, file events, ulimits root may
 * set, storage in that folder, the run root on a short path beside it: see {@link #runRoot}). No registry is reachable, so images are made here: a static busybox
 * root filesystem, tarred and {@code podman import}ed under a name with the command of each test image.
 * <p>
 * It fails, saying what is missing, when Podman or busybox-static is not installed ({@code .ci/run} installs both):
 * a test that needs an engine never skips.
 */
public final class LocalPodman implements AutoCloseable {

    /** Commands the busybox root filesystem links to the one static binary. */
    private static final List<String> APPLETS = List.of("sh", "echo", "cat", "yes", "head", "tail", "sleep", "seq",
            "dd", "id", "true", "false", "printf", "wc", "ls", "env", "touch", "hostname", "wget", "nslookup", "ping");
    private static final String INSTALL_HINT = "apt-get install -y podman runc busybox-static (.ci/run installs them)";

    private final Path dir;
    private final Path socket;
    /** The API process this started (null for one it reused); replaced by {@link #restart()}. */
    private volatile Process service;

    private LocalPodman(Path dir, Path socket, Process service) {
        this.dir = dir;
        this.socket = socket;
        this.service = service;
    }

    /** The podman binary on the PATH, if Podman is installed. */
    public static Optional<Path> podmanBinary() {
        return onPath("podman");
    }

    /** True when Podman is installed here (the launcher then starts its API rather than saying none is available). */
    public static boolean installed() {
        return podmanBinary().isPresent();
    }

    /**
     * Starts Podman's API on {@code dir/podman.sock} with its configuration, storage and run roots in {@code dir}, or
     * reuses the API already answering there; returns once it answers {@code /_ping}.
     */
    public static LocalPodman start(Path dir) {
        try {
            Files.createDirectories(dir.resolve("tmp"));
            Path socket = dir.resolve("podman.sock");
            if (ping(socket)) {
                return new LocalPodman(dir, socket, null);
            }
            writeConfig(dir);
            Files.deleteIfExists(dir.resolve("service.log")); // a restart appends to it, a start begins it afresh
            return new LocalPodman(dir, socket, launch(dir, socket));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Podman in " + dir, e);
        }
    }

    /** The API process this started, while it runs; empty for one reused, or once it has died. */
    public Optional<ProcessHandle> process() {
        Process running = service;
        return running == null || !running.isAlive() ? Optional.empty() : Optional.of(running.toHandle());
    }

    /**
     * The API process serving this socket: the one this started, or one found serving it (a test JVM's Quarkus
     * restarts give each test profile its own {@code WardenInfra}, which finds the API an earlier one started).
     */
    public Optional<ProcessHandle> apiProcess() {
        Optional<ProcessHandle> own = process();
        if (own.isPresent()) {
            return own;
        }
        String address = "unix://" + socket;
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(line -> line.contains(" system service ") && line.contains(address)).orElse(false)).findFirst();
    }

    /**
     * Starts the API again after it died, on the same socket and storage: the one this started, or one it found
     * serving the socket that no longer answers.
     */
    public synchronized void restart() {
        if (service != null || !ping(socket)) {
            service = launch(dir, socket);
        }
    }

    /** {@code podman system service} on {@code socket}; returns once it answers {@code /_ping}. */
    private static Process launch(Path dir, Path socket) {
        Path podman = podmanBinary().orElseThrow(() -> new IllegalStateException(
                "No container engine: Podman is not installed; " + INSTALL_HINT));
        try {
            Files.deleteIfExists(socket);
            ProcessBuilder builder = new ProcessBuilder(podman.toString(), "system", "service", "--time=0",
                    "unix://" + socket)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("service.log").toFile()));
            environment(builder, dir);
            Process process = builder.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!ping(socket)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("podman system service exited with " + process.exitValue()
                            + ": " + tail(dir.resolve("service.log")));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("podman system service did not answer on " + socket
                            + " within 30 s: " + tail(dir.resolve("service.log")));
                }
                Thread.sleep(50);
            }
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Podman in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Podman", e);
        }
    }

    /** {@code unix:///...podman.sock}: what docker-java's {@code DOCKER_HOST} takes. */
    public String dockerHost() {
        return "unix://" + socket;
    }

    public Path socket() {
        return socket;
    }

    /** Whether the API answers {@code /_ping} now. */
    public boolean alive() {
        return ping(socket);
    }

    /**
     * Imports the busybox root filesystem as image {@code name} (e.g. {@code localhost/warden/demo:1}) whose command
     * is {@code cmd}; answers the image name. Importing the same name again replaces it.
     */
    public String importImage(String name, List<String> cmd) {
        return importImage(name, cmd, List.of());
    }

    /** As {@link #importImage(String, List)}, with more Dockerfile instructions for the image, e.g. {@code VOLUME /data}. */
    public String importImage(String name, List<String> cmd, List<String> changes) {
        Path tar = rootfsTar();
        StringBuilder json = new StringBuilder("CMD [");
        for (int i = 0; i < cmd.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"')
                    .append(cmd.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        json.append(']');
        List<String> args = new ArrayList<>(List.of("import", "--change", json.toString()));
        changes.forEach(change -> args.addAll(List.of("--change", change)));
        args.addAll(List.of(tar.toString(), name));
        podman(args.toArray(String[]::new));
        return name;
    }

    /** Runs {@code podman args...} with this engine's configuration; answers its output, fails on a non-zero exit. */
    public String podman(String... args) {
        List<String> command = new ArrayList<>();
        command.add(podmanBinary().orElseThrow().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        environment(builder, dir);
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException("podman " + String.join(" ", args) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The environment that points podman at this folder's configuration (for a {@code podman} command line). */
    public static void environment(ProcessBuilder builder, Path dir) {
        builder.environment().put("CONTAINERS_CONF", dir.resolve("containers.conf").toString());
        builder.environment().put("CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString());
        builder.environment().put("TMPDIR", dir.resolve("tmp").toString());
    }

    /**
     * Stops the API this started (containers it ran were removed by their runners), then unmounts the bind mount
     * Podman's overlay driver keeps on its storage folder, so that the folder can be deleted ({@code mvn clean}, a
     * fresh data folder). One reused is left running.
     */
    @Override
    public void close() {
        if (service != null && service.isAlive()) {
            service.destroy();
            try {
                if (!service.waitFor(10, TimeUnit.SECONDS)) {
                    service.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (service != null) {
            try {
                new ProcessBuilder("umount", dir.resolve("storage").resolve("overlay").toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                        .waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                // Not mounted, or no umount here: nothing to undo.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Path rootfsTar() {
        // v2: /tmp is 1777 (a container's /tmp tmpfs takes the image's mode under Podman: nobody could not write 0755)
        Path tar = dir.resolve("busybox-rootfs-v2.tar");
        if (Files.exists(tar)) {
            return tar;
        }
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            busybox = onPath("busybox").orElseThrow(() -> new IllegalStateException(
                    "No busybox to build the test image from; " + INSTALL_HINT));
        }
        try {
            Path rootfs = dir.resolve("rootfs");
            Files.createDirectories(rootfs.resolve("bin"));
            Files.createDirectories(rootfs.resolve("tmp"));
            Files.createDirectories(rootfs.resolve("etc"));
            Files.copy(busybox, rootfs.resolve("bin/busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            rootfs.resolve("bin/busybox").toFile().setExecutable(true, false);
            for (String applet : APPLETS) {
                Path link = rootfs.resolve("bin").resolve(applet);
                if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, Path.of("busybox"));
                }
            }
            Process chmod = new ProcessBuilder("chmod", "1777", rootfs.resolve("tmp").toString()).redirectErrorStream(true).start();
            if (chmod.waitFor() != 0) {
                throw new IllegalStateException("chmod 1777 of the image's /tmp failed: "
                        + new String(chmod.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
            Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
            Path partial = dir.resolve("busybox-rootfs.tar.partial");
            Process tarring = new ProcessBuilder("tar", "-C", rootfs.toString(), "-cf", partial.toString(), ".")
                    .redirectErrorStream(true).start();
            String output = new String(tarring.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (tarring.waitFor() != 0) {
                throw new IllegalStateException("tar of the busybox root filesystem failed: " + output);
            }
            Files.move(partial, tar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return tar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void writeConfig(Path dir) throws IOException {
        long nofile = hardNofile();
        Files.writeString(dir.resolve("containers.conf"), """
                # Written by LocalPodman (see ENVIRONMENT.md): runc, cgroupfs, file events, ulimits root may set.
                [containers]
                default_ulimits = ["nofile=%d:%d", "nproc=32768:32768"]
                [engine]
                runtime = "runc"
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                events_logfile_path = "%s"
                tmp_dir = "%s"
                """.formatted(nofile, nofile, dir.resolve("events.log"), dir.resolve("tmp")));
        Files.writeString(dir.resolve("storage.conf"), """
                [storage]
                driver = "overlay"
                graphroot = "%s"
                runroot = "%s"
                """.formatted(dir.resolve("storage"), runRoot(dir)));
    }

    /**
     * The run root (state that dies with the machine) on a short path of its own: conmon's attach socket lives under
     * it, and a socket path past the kernel's 108 characters makes every attached {@code podman run} wait 20 s.
     */
    static Path runRoot(Path dir) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(dir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
            return Path.of(System.getProperty("java.io.tmpdir"), "warden-podman-"
                    + java.util.HexFormat.of().formatHex(hash, 0, 6));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Root lacks CAP_SYS_RESOURCE here: containers may get at most this shell's hard limit of open files. */
    private static long hardNofile() {
        try {
            Process p = new ProcessBuilder("sh", "-c", "ulimit -Hn").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return "unlimited".equals(out) ? 1048576 : Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            return 1024;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1024;
        }
    }

    /** Whether an engine answers {@code GET /_ping} with OK on this socket. */
    public static boolean ping(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(channel);
            out.write("GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = Channels.newInputStream(channel);
            String answer = new String(in.readNBytes(512), StandardCharsets.US_ASCII);
            return answer.startsWith("HTTP/1.") && answer.contains(" 200 ");
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String entry : path.split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String tail(Path file) {
        try {
            String text = Files.exists(file) ? Files.readString(file) : "";
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
