package dev.warden.launcher.stack;

import dev.warden.launcher.LauncherException;
import dev.warden.launcher.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * What this launcher runs, recorded in {@code <data>/run}: one file per process with its pid and start time. A
 * launcher that was killed (kill -9, a crash, a closed laptop lid that never came back) cannot stop its PostgreSQL,
 * Kafka and services; the next one reads these files, stops each process still running (SIGTERM, then a kill), and
 * starts cleanly. The start time must match too, so a process that merely got a recorded pid again is never touched.
 */
final class Leftovers {

    static final String LAUNCHER = "launcher";
    static final String POSTGRES = "postgresql";
    static final String KAFKA = "kafka";
    static final String PODMAN = "podman";
    private static final Duration GRACE = Duration.ofSeconds(20);

    private final Path dir;

    Leftovers(Path dir) {
        this.dir = dir;
    }

    /** Records a process this launcher started, or this launcher itself. */
    void record(String name, ProcessHandle process) {
        long started = startMillis(process).orElse(0L);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".pid"), process.pid() + " " + started + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir, e);
        }
    }

    /**
     * Forgets this launcher's record as it stops, unless another live launcher's record is there: a second {@code up}
     * on the same folder is refused and stops too, and it deleted the running launcher's record, so that the next
     * {@code down} took that launcher's PostgreSQL, Kafka and services for leftovers and killed them under it.
     */
    void forgetLauncher() {
        if (running(LAUNCHER).map(launcher -> launcher.pid() == ProcessHandle.current().pid()).orElse(true)) {
            forget(LAUNCHER);
        }
    }

    void forget(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name + ".pid"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete a file in " + dir, e);
        }
    }

    /**
     * Refuses to go on if the launcher that wrote the records still runs; otherwise stops every recorded process that
     * still runs, services first and PostgreSQL last, saying so, and forgets them all. Returns whether any still ran.
     */
    boolean stopLeftovers(Progress progress) {
        Optional<ProcessHandle> launcher = running(LAUNCHER);
        if (launcher.isPresent() && launcher.get().pid() != ProcessHandle.current().pid()) {
            throw new LauncherException("Another launcher (pid " + launcher.get().pid() + ") runs on the data folder "
                    + dir.getParent() + ": stop it first, or set WARDEN_DATA_DIR to another folder");
        }
        forget(LAUNCHER);
        boolean any = false;
        for (String name : recorded()) {
            Optional<ProcessHandle> left = running(name);
            if (left.isPresent()) {
                any = true;
                var line = progress.part("Left running by a launcher that did not stop: " + name + " (pid "
                        + left.get().pid() + ")");
                line.end(stop(left.get()) + " (" + line.elapsed() + ")");
            }
            forget(name);
        }
        return any;
    }

    /**
     * {@code bin/warden down}: asks the launcher recorded here to stop (SIGTERM, as Ctrl-C in its terminal would), and
     * waits while it stops the services, Kafka and PostgreSQL in order; if none runs, stops what a killed one left, as
     * the next start would. Returns whether anything was running.
     */
    boolean stopAll(Progress progress, Duration launcherStop) {
        Optional<ProcessHandle> launcher = running(LAUNCHER);
        if (launcher.isPresent()) {
            var line = progress.part("Stopping the launcher (pid " + launcher.get().pid()
                    + ") and everything it runs; its own terminal shows each part");
            launcher.get().destroy();
            if (!exited(launcher.get(), launcherStop)) {
                throw new LauncherException("The launcher (pid " + launcher.get().pid() + ") is still stopping after "
                        + launcherStop.toSeconds() + " s; see its terminal, or run bin/warden down again");
            }
            line.end("stopped (" + line.elapsed() + ")");
            return true;
        }
        return stopLeftovers(progress);
    }

    /** The recorded names in stop order: services, then Kafka, then PostgreSQL. */
    private List<String> recorded() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".pid"))
                    .map(f -> f.substring(0, f.length() - ".pid".length()))
                    .sorted(Comparator.comparingInt(Leftovers::stopOrder).thenComparing(Comparator.naturalOrder()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
    }

    private static int stopOrder(String name) {
        return switch (name) {
            case POSTGRES -> 2;
            case KAFKA -> 1;
            default -> 0;
        };
    }

    /** The recorded process, if one with that pid and that start time still runs. */
    private Optional<ProcessHandle> running(String name) {
        Path file = dir.resolve(name + ".pid");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String[] fields = Files.readString(file).trim().split("\\s+");
            long pid = Long.parseLong(fields[0]);
            long started = Long.parseLong(fields[1]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> started != 0 && startMillis(p).orElse(-1L) == started);
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    private static String stop(ProcessHandle process) {
        process.destroy();
        if (exited(process, GRACE)) {
            return "stopped (SIGTERM)";
        }
        process.destroyForcibly();
        return exited(process, Duration.ofSeconds(10)) ? "killed after " + GRACE.toSeconds() + " s of SIGTERM"
                : "still running after a kill";
    }

    private static boolean exited(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static Optional<Long> startMillis(ProcessHandle process) {
        return process.info().startInstant().map(instant -> instant.toEpochMilli());
    }
}
