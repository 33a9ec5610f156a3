package dev.warden.runner.engine;

import dev.warden.outbox.LeaderConnection;
import dev.warden.outbox.LeaderJob;
import dev.warden.runner.execution.ExecutionService;
import dev.warden.runner.tier.RunnerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Takes over the runs of a replica that is gone for good: an instance name with runs recorded as {@code running} that no
 * live replica has held ({@link InstanceLease}) for {@code warden.runner.gone-after} (a StatefulSet scaled from 2 to 1,
 * a replica never started again). Its runs stayed {@code running} until a replica of its name started, which might be
 * never. Once per cluster, every {@link #INTERVAL}, the leader looks at each such name, holding the name's lock while it
 * does so that no replica takes the name meanwhile: held by a live replica, it is left alone; free for long enough, its
 * containers on this replica's engine are removed (all of them where replicas share the engine, as Kubernetes Jobs do)
 * and its runs recorded as {@code error}, as its own restart would have done. A name is free only while its replica's
 * session is gone: a replica cut off by a database outage takes its name again within its reconnect backoff, well
 * within the default minute.
 */
@ApplicationScoped
public class GoneInstanceSweep implements LeaderJob {

    private static final Logger LOG = Logger.getLogger(GoneInstanceSweep.class);
    private static final long LOCK_ID = 0x5741524447L; // "WARDG"
    static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Twice a live replica's longest wait before it tries its name again ({@code warden.outbox.max-backoff}). */
    static final Duration LEAST_GONE_AFTER = Duration.ofSeconds(10);

    private final RunnerConfig config;
    private final ContainerEngine engine;
    private final ExecutionService executions;
    private final OrphanReaper reaper;
    /** Names seen free, since when; forgotten when seen held, and when this replica takes the lead again. */
    private final Map<String, Instant> freeSince = new HashMap<>();
    /** Names due for a takeover that waits for the engine: said once. */
    private final Set<String> waitingForEngine = new HashSet<>();

    public GoneInstanceSweep(RunnerConfig config, ContainerEngine engine, ExecutionService executions,
                             OrphanReaper reaper) {
        if (config.goneAfter().compareTo(LEAST_GONE_AFTER) < 0) {
            // Shorter than a live replica takes to hold its name again after a database outage: its runs taken over
            throw new IllegalStateException("warden.runner.gone-after (WARDEN_RUNNER_GONE_AFTER) must be at least "
                    + LEAST_GONE_AFTER.toSeconds() + " s, not " + config.goneAfter());
        }
        this.config = config;
        this.engine = engine;
        this.executions = executions;
        this.reaper = reaper;
    }

    @Override
    public String name() {
        return "runner-gone-instances";
    }

    @Override
    public long lockId() {
        return LOCK_ID;
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.of(INTERVAL);
    }

    @Override
    public void lead(Connection conn) {
        freeSince.clear();
        waitingForEngine.clear();
    }

    @Override
    public boolean runOnce(Connection conn) throws SQLException {
        try {
            sweep(conn);
        } catch (RuntimeException e) {
            throw new RetryLater("the sweep of gone instances failed: " + e.getMessage());
        }
        return false;
    }

    private void sweep(Connection conn) throws SQLException {
        Set<String> names = new HashSet<>(executions.runningInstances(config.instance()).await().atMost(WAIT));
        freeSince.keySet().retainAll(names);
        waitingForEngine.retainAll(names);
        for (String name : names) {
            long lock = InstanceLease.lockId(name);
            if (!LeaderConnection.tryLock(conn, lock)) {
                freeSince.remove(name); // a live replica holds it
                waitingForEngine.remove(name);
                continue;
            }
            try {
                Instant now = Instant.now();
                Instant since = freeSince.computeIfAbsent(name, n -> now);
                if (!now.isBefore(since.plus(config.goneAfter()))) {
                    String why = "runner-service replica '" + name + "' stopped before the run's outcome was recorded "
                            + "and was not back " + config.goneAfter().toSeconds() + " s later; found unfinished by "
                            + "another replica (its container, if any, removed)";
                    if (!waitingForEngine.contains(name)) {
                        LOG.warnf("No replica has held instance name '%s' for %d s; taking over its runs", name,
                                Duration.between(since, now).toSeconds());
                    }
                    if (reaper.reap(engine, executions, name, now, why, "replica '" + name + "', gone", true)) {
                        freeSince.remove(name);
                        waitingForEngine.remove(name);
                    } else if (waitingForEngine.add(name)) {
                        LOG.warnf("The container engine did not answer; instance '%s' is taken over once it does", name);
                    }
                }
            } finally {
                LeaderConnection.unlock(conn, lock);
            }
        }
    }
}
