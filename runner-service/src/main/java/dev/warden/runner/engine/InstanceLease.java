package dev.warden.runner.engine;

import dev.warden.outbox.LeaderJob;
import dev.warden.outbox.LeaderJobs;
import dev.warden.runner.execution.ExecutionService;
import dev.warden.runner.tier.RunnerConfig;
import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.security.AccessDirectoryReadiness;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.HealthGroup;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Default;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * This replica's instance name ({@code warden.runner.instance}), held as a PostgreSQL advisory lock of its own for as
 * long as the replica lives, so that two live replicas never share one: the containers of a run carry the name, and a
 * replica starting under it kills and removes every container that carries it ({@link OrphanReaper}). A second replica
 * started under a live one's name (a two-replica trial's third replica with the launcher's environment, {@code local})
 * removed the first's running containers; now it waits for the name, not ready and answering runs 503, and says who
 * holds it. The name is taken by a {@link LeaderJob} whose lock is the name's, so that the session is the leader jobs'
 * (probed by the server, named in {@code pg_stat_activity}, taken again after an outage); the reaping is done once,
 * when this process first holds the name, before any run of its own can exist.
 */
@Readiness
@HealthGroup(AccessDirectoryReadiness.SERVING)
@Default // as well: runs ask it whether this replica may run, without the health qualifier
@ApplicationScoped
public class InstanceLease implements LeaderJob, HealthCheck {

    static final String NAME = "runner-instance";
    private static final Logger LOG = Logger.getLogger(InstanceLease.class);
    /** How long the start waits for the name before it goes on, not ready; the name is still taken once it is free. */
    private static final Duration START_WAIT = Duration.ofSeconds(15);
    /** How long after its own trouble reaching the database a replica that never held its name leaves it be. */
    static final Duration AFTER_TROUBLE = Duration.ofSeconds(15);
    /** How often the held lock's session is read, so that its loss shows. */
    private static final Duration CHECK = Duration.ofSeconds(5);

    private final RunnerConfig config;
    private final ContainerEngine engine;
    private final ExecutionService executions;
    private final OrphanReaper reaper;
    private final LeaderJobs jobs;
    private final long lockId;
    private final CountDownLatch reaped = new CountDownLatch(1);

    public InstanceLease(RunnerConfig config, ContainerEngine engine, ExecutionService executions, OrphanReaper reaper,
                         LeaderJobs jobs) {
        this.config = config;
        this.engine = engine;
        this.executions = executions;
        this.reaper = reaper;
        this.jobs = jobs;
        this.lockId = lockId(config.instance());
    }

    /** The lock of instance name {@code instance}: the first 64 bits of its SHA-256, the same on every replica. */
    static long lockId(String instance) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("warden runner instance\0" + instance).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether this replica, which has never held its name, may take it now that it is free. Not within
     * {@link #AFTER_TROUBLE} of its own last failure to reach the database: the name may be free because the database
     * restarted (or its network failed), ending the session of a live replica that held it, and taking it then would
     * remove that replica's running containers (a trial's standby under the same name did, twice, as PostgreSQL
     * restarted: both replicas retried at the same pace, and the standby won). A live holder takes its name again
     * within its reconnect backoff ({@code warden.outbox.max-backoff}, 5 s); a replica that has held the name never
     * waits.
     */
    static boolean mayTakeFirst(Instant lastTrouble, Instant now) {
        return lastTrouble == null || !now.isBefore(lastTrouble.plus(AFTER_TROUBLE));
    }

    /** Whether this replica holds its instance name and has reaped what an earlier life under it left: it may run. */
    public boolean held() {
        return reaped.getCount() == 0 && jobs.leads(NAME);
    }

    /** Waits, within a bound, for the name and the reaping, so that a replica whose name is free starts ready. */
    void onStart(@Observes @Priority(StartupOrder.LEASES) StartupEvent event) throws InterruptedException {
        if (!reaped.await(START_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warnf("Instance name '%s' (warden.runner.instance, WARDEN_RUNNER_INSTANCE) is %s; this replica is not"
                    + " ready and answers runs 503 until it holds the name. Give every replica sharing a container"
                    + " engine a name of its own", config.instance(), heldBy());
        }
    }

    private String heldBy() {
        if (jobs.leads(NAME)) {
            return "held by this replica, which is removing the containers an earlier life under it left";
        }
        return jobs.holder(this).map(holder -> "held by another live replica, " + holder)
                .orElse("not yet taken (the database may be unreachable)");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long lockId() {
        return lockId;
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.of(CHECK);
    }

    @Override
    public void lead(Connection conn) {
        if (reaped.getCount() == 0) {
            LOG.infof("This replica holds its instance name '%s' again", config.instance());
            return;
        }
        if (!mayTakeFirst(jobs.lastTrouble(NAME), Instant.now())) {
            throw new RetryLater("instance name '" + config.instance() + "' is free, but this replica could not reach "
                    + "the database a moment ago: a live replica that held the name then may be taking it again, and "
                    + "the name is left to it for " + AFTER_TROUBLE.toSeconds() + " s");
        }
        reaper.reap(engine, executions, config.instance(), Instant.now());
        reaped.countDown();
        LOG.infof("This replica runs as instance '%s'", config.instance());
    }

    /** Nothing to do but hold the lock; the loop reads the session between rounds, so a lost one shows. */
    @Override
    public boolean runOnce(Connection conn) {
        return false;
    }

    /**
     * DOWN while this replica has not yet taken its name (and reaped), and while another live replica holds it: this
     * replica cannot run, so the {@code serving} group takes it out of its Service's endpoints and runs go to the
     * replicas that can. A name lost with the database (every replica's, at once) leaves it UP, as every check of
     * what all replicas share does, so that clients keep getting the services' own 503s; the database's own check is
     * DOWN meanwhile, and runs are 503 until the name is held again.
     */
    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("runner instance").withData("instance",
                config.instance());
        if (held()) {
            return response.up().build();
        }
        if (reaped.getCount() == 0 && !jobs.heldElsewhere(NAME)) {
            return response.up().withData("note", "not held at the moment (its database session was lost); runs"
                    + " answer 503 until it is taken again").build();
        }
        return response.down().withData("reason", "instance name " + heldBy()).build();
    }
}
