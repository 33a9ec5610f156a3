package dev.warden.launcher.stack;

import dev.warden.launcher.LauncherException;
import dev.warden.launcher.Progress;
import dev.warden.launcher.gateway.ServiceStatus;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps the services running. It hears of a service's exit at once ({@link Process#onExit()}), says so, and starts
 * it again after a backoff that doubles with each attempt up to a cap; a service that stayed up for
 * {@link #STABLE_AFTER} starts again from the first backoff. A service that is running but no longer answers (stopped,
 * deadlocked, out of memory without exiting) is found as Kubernetes finds it, by its liveness check: every
 * {@code livenessPeriod}, {@code GET /q/health/live} with {@link #LIVENESS_TIMEOUT}; after
 * {@link #LIVENESS_FAILURES} failures in a row it is killed, and restarted like any service that exited (the
 * manifests' livenessProbe has the same timeout and threshold). It tells the gateway which services are down and for
 * about how long ({@link ServiceStatus}), so clients get a 503 with {@code Retry-After} meanwhile. Once
 * {@link #stopAll()} is called (Ctrl-C, SIGTERM) nothing is restarted any more.
 */
final class Supervisor implements ServiceStatus {

    static final Duration STABLE_AFTER = Duration.ofSeconds(60);
    /** How long a liveness check may take: the manifests' {@code timeoutSeconds}. */
    static final Duration LIVENESS_TIMEOUT = Duration.ofSeconds(2);
    /** Failed liveness checks in a row before the service is killed: the manifests' {@code failureThreshold}. */
    static final int LIVENESS_FAILURES = 3;

    private final Progress progress;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final Duration livenessPeriod;
    private final Map<String, Watched> services = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private volatile boolean stopping;

    /** @param livenessPeriod how often each service's liveness is checked; zero: never */
    Supervisor(Progress progress, Duration firstBackoff, Duration maxBackoff, Duration livenessPeriod) {
        this.progress = progress;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
        this.livenessPeriod = livenessPeriod;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "warden-supervisor");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Supervises a service that is running and ready.
     *
     * @param running   its process now
     * @param startTook how long it took to become ready (the gateway's Retry-After counts on as much for a restart)
     * @param launch    starts a new process of it
     * @param ready     waits until a new process is ready; throws {@link LauncherException} if it does not get there
     */
    void watch(ServiceProcess running, Duration startTook, Supplier<ServiceProcess> launch,
               Consumer<ServiceProcess> ready) {
        Watched watched = new Watched(running.name(), launch, ready, running, startTook);
        services.put(running.name(), watched);
        watched.follow(running);
        if (livenessPeriod.isPositive()) {
            scheduler.scheduleWithFixedDelay(() -> surviving(watched.name, watched::checkLiveness), livenessPeriod.toMillis(),
                    livenessPeriod.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Runs one liveness check, whatever it throws: a periodic task that throws is never run again, and a user trial's
     * flood of the gateway ran the launcher's heap out (an OutOfMemoryError in this thread), after which no service was
     * checked or restarted again though the heap was free within seconds.
     */
    void surviving(String name, Runnable check) {
        try {
            check.run();
        } catch (Throwable failure) {
            try {
                progress.line(name + "'s liveness check failed (" + failure + "); checking again in " + seconds(livenessPeriod));
            } catch (Throwable ignored) {
                // Out of memory still: the next period says it
            }
        }
    }

    /** Stops supervising: from now on an exit is expected and nothing is restarted. */
    void stopAll() {
        stopping = true;
        scheduler.shutdownNow();
    }

    /** A supervised service's process now: after a restart, not the one it started with. */
    Optional<ServiceProcess> current(String service) {
        return Optional.ofNullable(services.get(service)).map(Watched::current);
    }

    boolean isStopping() {
        return stopping;
    }

    @Override
    public Optional<Duration> retryAfter(String service) {
        Watched watched = services.get(service);
        return watched == null ? Optional.empty() : watched.retryAfter();
    }

    private Duration backoff(int attempt) {
        // attempt 2 is the first restart
        long millis = firstBackoff.toMillis() << Math.min(20, attempt - 2);
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }

    private final class Watched {

        private final String name;
        private final Supplier<ServiceProcess> launch;
        private final Consumer<ServiceProcess> ready;
        private ServiceProcess current;
        private Duration startTook;
        private int attempt = 1;
        private long upSince;
        private long startedAt;
        private long restartAt;
        private boolean up = true;
        /** Liveness checks failed in a row while up. */
        private int missed;
        /** Killed for not answering its liveness checks; its exit is still to come. */
        private boolean hung;

        Watched(String name, Supplier<ServiceProcess> launch, Consumer<ServiceProcess> ready, ServiceProcess running,
                Duration startTook) {
            this.name = name;
            this.launch = launch;
            this.ready = ready;
            this.current = running;
            this.startTook = startTook;
            this.upSince = System.nanoTime();
        }

        synchronized ServiceProcess current() {
            return current;
        }

        void follow(ServiceProcess process) {
            process.onExit().thenAccept(exited -> down(exited, "exited with code " + exited.exitCode()));
        }

        /** One liveness check of the process now, if it is up; its answer comes on the HTTP client's thread. */
        void checkLiveness() {
            ServiceProcess process;
            synchronized (this) {
                if (stopping || !up || hung) {
                    return;
                }
                process = current;
            }
            Duration timeout = livenessPeriod.compareTo(LIVENESS_TIMEOUT) < 0 ? livenessPeriod : LIVENESS_TIMEOUT;
            process.live(timeout).thenAccept(live -> checked(process, live, timeout));
        }

        private void checked(ServiceProcess process, boolean live, Duration timeout) {
            synchronized (this) {
                if (stopping || !up || hung || process != current) {
                    return;
                }
                missed = live ? 0 : missed + 1;
                if (missed < LIVENESS_FAILURES) {
                    return;
                }
                hung = true; // from now on the gateway answers 503 rather than hand it requests
            }
            progress.line(name + " did not answer its liveness check (GET /q/health/live within " + seconds(timeout)
                    + ") " + LIVENESS_FAILURES + " times in a row; killing it");
            process.kill(); // its exit restarts it
        }

        private void down(ServiceProcess process, String what) {
            Duration delay;
            int next;
            synchronized (this) {
                if (stopping || process != current) {
                    return;
                }
                hung = false;
                missed = 0;
                long now = System.nanoTime();
                if (up && now - upSince >= STABLE_AFTER.toNanos()) {
                    attempt = 1;
                }
                next = ++attempt;
                delay = backoff(next);
                up = false;
                restartAt = now + delay.toNanos();
                // The restart waits for readiness on a thread of its own, so one slow service delays no other.
                scheduler.schedule(() -> Thread.ofPlatform().daemon().name("warden-restart-" + name)
                        .start(this::restart), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
            progress.line(name + " " + what + "; restarting in " + seconds(delay) + " (attempt " + next + ")");
        }

        private void restart() {
            ServiceProcess process;
            String failure = null;
            synchronized (this) {
                if (stopping) {
                    return;
                }
                startedAt = System.nanoTime();
                restartAt = startedAt;
                try {
                    process = launch.get();
                } catch (RuntimeException e) {
                    process = null;
                    failure = e.getMessage();
                }
                current = process;
            }
            if (process == null) {
                down(null, "could not be started (" + failure + ")");
                return;
            }
            follow(process);
            try {
                ready.accept(process);
            } catch (LauncherException notReady) {
                if (!stopping && process.handle().isAlive()) {
                    progress.line(name + " did not become ready (" + notReady.getMessage() + "); killing it");
                    process.kill(); // its exit restarts it
                }
                return;
            }
            synchronized (this) {
                if (stopping || process != current) {
                    return;
                }
                up = true;
                upSince = System.nanoTime();
                startTook = Duration.ofNanos(upSince - startedAt);
            }
            progress.line(name + " is ready again (in " + seconds(startTook) + ")");
        }

        synchronized Optional<Duration> retryAfter() {
            if (hung) {
                // Killed a moment ago: its restart's backoff, then about as long as its last start took.
                return Optional.of(backoff(attempt + 1).plus(startTook));
            }
            if (up) {
                return Optional.empty();
            }
            // Until the restart, then about as long as the last start took.
            return Optional.of(untilReady(Math.max(restartAt, startedAt) + startTook.toNanos(), System.nanoTime()));
        }
    }

    /** What a start that is overdue asks of clients: as a service's own 503 does while a dependency is away. */
    static final Duration OVERDUE = Duration.ofSeconds(5);

    /**
     * The Retry-After of a service expected ready at {@code readyAt} ({@link System#nanoTime}), asked at {@code now}: the
     * time left, at least a second; {@link #OVERDUE} once it is past. A start can wait for a dependency (a replica
     * serves nothing until its access directory has caught up with the broker): a fault trial's clients were told 1 s
     * forty times over while agent-service's start waited for Kafka.
     */
    static Duration untilReady(long readyAt, long now) {
        long left = readyAt - now;
        return left <= 0 ? OVERDUE : Duration.ofNanos(Math.max(left, Duration.ofSeconds(1).toNanos()));
    }

    /** "1 s", "2.5 s". */
    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s"
                : Progress.seconds(System.nanoTime() - duration.toNanos());
    }
}
