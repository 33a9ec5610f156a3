package dev.warden.runner.execution;

import dev.warden.runner.agent.AgentRepository;
import dev.warden.runner.agent.RunnableAgent;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.AccessDirectory;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Stops a run in progress on this instance whose agent was suspended or whose organization was disabled, rather than
 * letting it go on to its deadline (600 s on {@code enterprise}): an operator suspending a compromised agent expects
 * its container to stop (a user trial's suspended agent ran to its end). Every second, each instance asks its own
 * projection of the agents (every replica's runs, whoever applied the suspension) and its access directory.
 */
@ApplicationScoped
public class RunStops {

    private static final Logger LOG = Logger.getLogger(RunStops.class);

    private final LiveRuns live;
    private final TenantDb db;
    private final AgentRepository agents;
    private final AccessDirectory directory;

    public RunStops(LiveRuns live, TenantDb db, AgentRepository agents, AccessDirectory directory) {
        this.live = live;
        this.db = db;
        this.agents = agents;
        this.directory = directory;
    }

    @Scheduled(every = "${warden.runner.stop-check-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> check() {
        Map<UUID, LiveRuns.Live> running = live.all();
        if (running.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(running.entrySet()).onItem()
                .transformToUniAndConcatenate(run -> reason(run.getValue())
                        .invoke(why -> why.ifPresent(w -> stop(run.getKey(), w)))
                        .onFailure().recoverWithItem(Optional.empty()))
                .collect().last().replaceWithVoid();
    }

    private Uni<Optional<String>> reason(LiveRuns.Live run) {
        if (directory.organization(run.org()).filter(o -> !o.active()).isPresent()) {
            return Uni.createFrom().item(Optional.of("stopped: its organization was disabled while it ran"));
        }
        return db.inOrg(run.org(), conn -> agents.find(conn, run.agent())).map(agent -> agent
                .filter(RunnableAgent::suspended).map(a -> "stopped: the agent was suspended while it ran"));
    }

    private void stop(UUID execution, String why) {
        if (live.stop(execution, why)) {
            LOG.infof("Execution %s %s", execution, why);
        }
    }
}
