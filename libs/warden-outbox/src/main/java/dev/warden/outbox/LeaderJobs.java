package dev.warden.outbox;

import dev.warden.tenancy.StartupOrder;
import io.quarkus.arc.All;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs every {@link LeaderJob} bean of the service, each on its own {@link LeaderLoop} over the service's database:
 * started once the schema is migrated, stopped at shutdown.
 */
@ApplicationScoped
public class LeaderJobs {

    private final List<LeaderJob> jobs;
    private final OutboxConfig config;
    private final LeaderConnection database;
    private final Map<String, LeaderLoop> loops = new ConcurrentHashMap<>();

    public LeaderJobs(@All List<LeaderJob> jobs, OutboxConfig config,
                      @ConfigProperty(name = "quarkus.datasource.reactive.url") String reactiveUrl,
                      @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
                      @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.jobs = jobs;
        this.config = config;
        this.database = new LeaderConnection(reactiveUrl, username.orElse(""), password.orElse(""));
    }

    synchronized void onStart(@Observes @Priority(StartupOrder.LEADER_JOBS) StartupEvent event) {
        for (LeaderJob job : jobs) {
            if (job.enabled() && !loops.containsKey(job.name())) {
                LeaderLoop loop = new LeaderLoop(job, database, config);
                loops.put(job.name(), loop);
                loop.start();
            }
        }
    }

    synchronized void onStop(@Observes ShutdownEvent event) {
        loops.values().forEach(LeaderLoop::signalStop);
        loops.values().forEach(LeaderLoop::stop);
        loops.clear();
    }
}
