package dev.warden.outbox;

import dev.warden.tenancy.StartupOrder;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.arc.All;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs every {@link LeaderJob} bean of the service, each on its own {@link LeaderLoop} over the service's database:
 * started once the schema is migrated, stopped at shutdown. Each job is observable by its {@code job} tag:
 * {@code warden_leader_job_leader} (1 on the replica that holds its lock), {@code
 * warden_leader_job_last_round_timestamp_seconds} (when this replica last completed a round; 0 if never) and {@code
 * warden_leader_job_failed_rounds_total}. A periodic job whose newest round across replicas is old (a stale fleet
 * sweep, checkpoints no longer signed) is an alert (deploy/k8s, monitoring).
 */
@ApplicationScoped
public class LeaderJobs {

    /** The tag naming the job on its metrics. */
    public static final String JOB_TAG = "leader_job";

    private final List<LeaderJob> jobs;
    private final OutboxConfig config;
    private final LeaderConnection database;
    private final Map<String, LeaderLoop> loops = new ConcurrentHashMap<>();

    private final MeterRegistry registry;

    public LeaderJobs(@All List<LeaderJob> jobs, OutboxConfig config, MeterRegistry registry,
                      @ConfigProperty(name = "quarkus.datasource.reactive.url") String reactiveUrl,
                      @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
                      @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.jobs = jobs;
        this.config = config;
        this.registry = registry;
        this.database = new LeaderConnection(reactiveUrl, username.orElse(""), password.orElse(""), config.leaderReadTimeout());
    }

    synchronized void onStart(@Observes @Priority(StartupOrder.LEADER_JOBS) StartupEvent event) {
        for (LeaderJob job : jobs) {
            if (job.enabled() && !loops.containsKey(job.name())) {
                LeaderLoop loop = new LeaderLoop(job, database, config);
                loops.put(job.name(), loop);
                observe(loop);
                loop.start();
            }
        }
    }

    private void observe(LeaderLoop loop) {
        // Not "job": Prometheus keeps that label for the scrape job and renames a target's own to exported_job, so an
        // alert on {job="fleet-liveness"} selected nothing
        Tags job = Tags.of(JOB_TAG, loop.name());
        Gauge.builder("warden.leader.job.leader", loop, l -> l.isLeader() ? 1 : 0).tags(job)
                .description("1 while this replica holds the job's lock").register(registry);
        Gauge.builder("warden.leader.job.last.round.timestamp", loop, l -> l.lastRoundMillis() / 1000.0).tags(job)
                .baseUnit("seconds").description("When this replica last completed a round of the job; 0 if never")
                .register(registry);
        FunctionCounter.builder("warden.leader.job.failed.rounds", loop, LeaderLoop::failedRounds).tags(job)
                .description("Rounds of the job that failed on this replica and were retried").register(registry);
    }

    /** Whether this replica holds {@code job}'s lock at the moment (false for a job it does not run). */
    public boolean leads(String job) {
        return loop(job).map(LeaderLoop::isLeader).orElse(false);
    }

    /** Whether this replica's last try of {@code job}'s lock found another replica holding it. */
    public boolean heldElsewhere(String job) {
        return loop(job).map(LeaderLoop::refused).orElse(false);
    }

    /** When this replica last failed to reach the database for {@code job} (null if never, or not run here). */
    public Instant lastTrouble(String job) {
        return loop(job).map(LeaderLoop::lastTrouble).orElse(null);
    }

    private Optional<LeaderLoop> loop(String job) {
        return Optional.ofNullable(loops.get(job));
    }

    /** Who holds {@code job}'s lock ({@link LeaderConnection#holder}): what a replica standing by waits for. */
    public Optional<String> holder(LeaderJob job) {
        return database.holder(job.lockId());
    }

    /** The jobs whose loop stopped for good on this replica ({@link LeaderLoop#died}), each with what stopped it. */
    public Map<String, String> dead() {
        Map<String, String> dead = new java.util.TreeMap<>();
        loops.values().forEach(loop -> {
            if (loop.died() != null) {
                dead.put(loop.name(), loop.died().toString());
            }
        });
        return dead;
    }

    synchronized void onStop(@Observes ShutdownEvent event) {
        loops.values().forEach(LeaderLoop::signalStop);
        loops.values().forEach(LeaderLoop::stop);
        loops.clear();
    }
}
