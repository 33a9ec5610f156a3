package dev.warden.deploy.image;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes the base image of every Warden service image as an image tar, from what this machine has, because no
 * registry can be reached to pull one: a Java runtime linked by {@code jlink} from the JDK running this (the build's,
 * {@code bin/jdk}), the shared libraries it loads (the C library, found with {@code ldd}), {@code /etc/passwd} with
 * user 185 (the user of the Kubernetes manifests) and a {@code /tmp}; no shell, no package manager, nothing else.
 * Quarkus' Jib extension adds each service's fast-jar on top ({@code quarkus.jib.base-jvm-image=tar://...}).
 * <p>
 * {@code BaseImage <image tar> <work folder>}. The tar is written again only when its inputs changed (the JDK, the
 * modules, this class), so a build that has one spends no time here.
 */
public final class BaseImage {

    static final String NAME = "warden/jvm-base";
    /** The user and group of every Warden container (runAsUser and runAsGroup in deploy/k8s). */
    static final int USER = 185;
    static final String JAVA_HOME = "/opt/java";
    static final String HOME = "/home/warden";
    /**
     * What the services use of the JDK: Java SE, and beside it Unsafe (Netty, Kafka), zip file systems (Quarkus),
     * the management beans of the JVM metrics, JNDI DNS, SASL and Kerberos (Kafka clients), the PKCS#11 provider,
     * the extra charsets, socket options and JFR for diagnosing a running pod.
     */
    static final List<String> MODULES = List.of("java.se", "jdk.unsupported", "jdk.zipfs", "jdk.management",
            "jdk.naming.dns", "jdk.security.auth", "jdk.security.jgss", "jdk.crypto.cryptoki", "jdk.charsets",
            "jdk.net", "jdk.jfr");
    /** Native parts of AWT and sound that need X11 or ALSA: a server image runs headless and has neither. */
    static final Set<String> HEADFUL = Set.of("libawt_xawt.so", "libjawt.so", "libsplashscreen.so", "libjsound.so");
    /** Jib's fixed time for reproducible layers: the same inputs give the same digests, so Podman stores them once. */
    private static final Instant TIME = Instant.ofEpochSecond(1);
    /** {@code name => /path (0x...)}, or {@code /path (0x...)} for the loader, or {@code name (0x...)} for the vDSO. */
    private static final Pattern LDD_LINE = Pattern.compile("(\\S+)(?:\\s+=>\\s+(/\\S+))?(?:\\s+\\(0x[0-9a-f]+\\))?");

    private BaseImage() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BaseImage <image tar> <work folder>");
            System.exit(2);
        }
        Path tar = Path.of(args[0]).toAbsolutePath();
        Path work = Path.of(args[1]).toAbsolutePath();
        Path jdk = Path.of(System.getProperty("java.home"));
        String inputs = inputs(jdk);
        Path stamp = tar.resolveSibling(tar.getFileName() + ".inputs");
        if (Files.isRegularFile(tar) && Files.isRegularFile(stamp) && Files.readString(stamp).equals(inputs)) {
            System.out.println("[base-image] " + tar + " is up to date");
            return;
        }
        long start = System.nanoTime();
        Path rootfs = work.resolve("rootfs");
        deleteRecursively(rootfs);
        Path runtime = rootfs.resolve(JAVA_HOME.substring(1));
        link(jdk, runtime);
        Set<Path> libraries = sharedLibraries(runtime);
        for (Path library : libraries) {
            Path target = rootfs.resolve(library.toString().substring(1));
            Files.createDirectories(target.getParent());
            // The file itself, not a symlink to it, with its mode (the dynamic loader must stay executable).
            Files.copy(library, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
        writeSystemFiles(rootfs);
        write(rootfs, tar, work.resolve("jib-cache"), javaVersion());
        Files.writeString(stamp, inputs);
        System.out.printf("[base-image] wrote %s (%d MB, Java %s, %d shared libraries) in %d s%n", tar,
                Files.size(tar) >> 20, javaVersion(), libraries.size(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    /** A Java runtime of {@link #MODULES} only, without debug symbols, headers, man pages or other launchers. */
    static void link(Path jdk, Path runtime) throws IOException, InterruptedException {
        Files.createDirectories(runtime.getParent());
        run(List.of(jdk.resolve("bin/jlink").toString(), "--add-modules", String.join(",", MODULES),
                "--strip-debug", "--no-header-files", "--no-man-pages", "--generate-cds-archive",
                "--output", runtime.toString()));
        try (Stream<Path> launchers = Files.list(runtime.resolve("bin"))) {
            for (Path launcher : launchers.toList()) {
                if (!launcher.getFileName().toString().equals("java")) {
                    Files.delete(launcher);
                }
            }
        }
        for (String library : HEADFUL) {
            Files.deleteIfExists(runtime.resolve("lib").resolve(library));
        }
    }

    /**
     * The shared libraries outside the runtime that its programs and libraries need, as {@code ldd} resolves them on
     * this machine, the dynamic loader included. A library that is missing from the runtime too fails here, not in a pod.
     */
    static Set<Path> sharedLibraries(Path runtime) throws IOException, InterruptedException {
        Set<String> inRuntime = new TreeSet<>();
        List<Path> elves = new ArrayList<>();
        try (Stream<Path> files = Files.walk(runtime)) {
            for (Path file : files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
                inRuntime.add(file.getFileName().toString());
                if (isElf(file)) {
                    elves.add(file);
                }
            }
        }
        Set<Path> libraries = new TreeSet<>();
        for (Path elf : elves) {
            libraries.addAll(needed(elf.toString(), run(List.of("ldd", elf.toString())), inRuntime));
        }
        libraries.removeIf(p -> p.startsWith(runtime));
        return libraries;
    }

    /**
     * The absolute paths in {@code ldd}'s answer for {@code elf}: resolved libraries and the dynamic loader. A library
     * not found is fine when the runtime has it (found through its own RUNPATH at run time), an error otherwise.
     */
    static Set<Path> needed(String elf, String lddOutput, Set<String> inRuntime) {
        Set<Path> needed = new TreeSet<>();
        for (String line : lddOutput.split("\n")) {
            String entry = line.trim();
            if (entry.isEmpty() || entry.contains("not a dynamic executable") || entry.contains("statically linked")) {
                continue;
            }
            if (entry.endsWith("=> not found")) {
                String name = entry.substring(0, entry.indexOf(' '));
                if (!inRuntime.contains(name)) {
                    throw new IllegalStateException(elf + " needs " + name + ", which is neither in the runtime nor"
                            + " on this machine");
                }
                continue;
            }
            Matcher m = LDD_LINE.matcher(entry);
            if (!m.matches()) {
                throw new IllegalStateException("unexpected ldd line for " + elf + ": " + entry);
            }
            if (m.group(2) != null) {
                needed.add(Path.of(m.group(2)));
            } else if (m.group(1).startsWith("/")) {
                needed.add(Path.of(m.group(1)));  // the dynamic loader, named by its absolute path
            }
        }
        return needed;
    }

    /** The user 185 with no login shell, name lookups from files then DNS, and the folders the JVM writes to. */
    static void writeSystemFiles(Path rootfs) throws IOException {
        Path etc = Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), """
                root:x:0:0:root:/root:/sbin/nologin
                warden:x:%d:%d:Warden service:%s:/sbin/nologin
                nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
                """.formatted(USER, USER, HOME));
        Files.writeString(etc.resolve("group"), """
                root:x:0:
                warden:x:%d:
                nogroup:x:65534:
                """.formatted(USER));
        Files.writeString(etc.resolve("nsswitch.conf"), """
                passwd: files
                group: files
                hosts: files dns
                """);
        Files.createDirectories(rootfs.resolve("tmp"));
        Files.createDirectories(rootfs.resolve(HOME.substring(1)));
    }

    /** The root filesystem as a two-layer image tar: the Java runtime, then the libraries and system files. */
    static void write(Path rootfs, Path tar, Path cache, String javaVersion) throws Exception {
        Path partial = tar.resolveSibling(tar.getFileName() + ".partial");
        Files.createDirectories(tar.getParent());
        Files.deleteIfExists(partial);
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("PATH", JAVA_HOME + "/bin:/usr/bin:/bin");
        environment.put("JAVA_HOME", JAVA_HOME);
        environment.put("LANG", "C.UTF-8");
        Jib.fromScratch()
                .setFormat(ImageFormat.Docker)
                .setPlatforms(Set.of(new Platform(architecture(), "linux")))
                .addFileEntriesLayer(layer("java-runtime", rootfs, p -> p.startsWith(rootfs.resolve("opt"))))
                .addFileEntriesLayer(layer("system", rootfs, p -> !p.startsWith(rootfs.resolve("opt"))))
                .setEnvironment(environment)
                .setUser(USER + ":" + USER)
                .setLabels(Map.of(
                        "org.opencontainers.image.title", NAME,
                        "org.opencontainers.image.description", "Java " + javaVersion
                                + " runtime for the Warden services: user " + USER + ", no shell",
                        "dev.warden.java.version", javaVersion))
                .setCreationTime(Instant.EPOCH)
                .containerize(Containerizer.to(TarImage.at(partial).named(NAME + ":" + javaVersion))
                        .setApplicationLayersCache(cache)
                        .setBaseImageLayersCache(cache)
                        .setToolName("warden-base-image")
                        .addEventHandler(LogEvent.class, e -> {
                            if (e.getLevel() == LogEvent.Level.ERROR || e.getLevel() == LogEvent.Level.WARN) {
                                System.err.println("[base-image] " + e.getMessage());
                            }
                        }));
        Files.move(partial, tar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every file and folder under {@code rootfs} that {@code include} takes, owned by root but for the user's home. */
    private static FileEntriesLayer layer(String name, Path rootfs, Predicate<Path> include)
            throws IOException {
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName(name);
        Path home = rootfs.resolve(HOME.substring(1));
        try (Stream<Path> paths = Files.walk(rootfs)) {
            for (Path path : paths.sorted().toList()) {
                if (path.equals(rootfs) || !include.test(path)) {
                    continue;
                }
                AbsoluteUnixPath inImage = AbsoluteUnixPath.get("/" + rootfs.relativize(path).toString().replace('\\', '/'));
                String owner = path.equals(home) ? USER + ":" + USER : "0:0";
                layer.addEntry(new FileEntry(path, inImage, mode(rootfs, path), TIME, owner));
            }
        }
        return layer.build();
    }

    /**
     * 755 for folders and programs, 644 for other files, whatever this machine's umask made; {@code /tmp} is writable
     * by all (Jib writes no sticky bit; the image has one user, and Kubernetes mounts an emptyDir there anyway).
     */
    private static FilePermissions mode(Path rootfs, Path path) throws IOException {
        if (path.equals(rootfs.resolve("tmp"))) {
            return FilePermissions.fromOctalString("777");
        }
        boolean executable = Files.isDirectory(path)
                || Files.getPosixFilePermissions(path).contains(PosixFilePermission.OWNER_EXECUTE);
        return FilePermissions.fromOctalString(executable ? "755" : "644");
    }

    /** What decides the image: the JDK (its folder and release file), the module list, and this class. */
    static String inputs(Path jdk) throws IOException {
        StringBuilder inputs = new StringBuilder();
        inputs.append("jdk=").append(jdk).append('\n');
        inputs.append(Files.readString(jdk.resolve("release"))).append('\n');
        inputs.append("modules=").append(String.join(",", MODULES)).append('\n');
        try (InputStream self = BaseImage.class.getResourceAsStream("BaseImage.class")) {
            byte[] code = self == null ? new byte[0] : self.readAllBytes();
            inputs.append("maker=").append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return inputs.append('\n').toString();
    }

    /** The version of the JDK running this, whose runtime the image holds, as an image tag ({@code 25.0.3_9-LTS}). */
    static String javaVersion() {
        return Runtime.version().toString().replace('+', '_');
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
    }

    private static boolean isElf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            // ldd answers 1 for a file that is no dynamic executable; its output says so and is skipped above.
            if (!(command.getFirst().equals("ldd") && output.contains("not a dynamic executable"))) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        }
        return output;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
