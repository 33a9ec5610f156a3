package dev.warden.runner.engine;

import dev.warden.runner.execution.ExecutionService;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;

/**
 * Crash safety: once this replica holds its instance name ({@link InstanceLease}), before any run, kills and removes
 * the containers a previous life of this instance (its {@code warden.runner.instance} label) left behind, and records
 * their executions as {@code error} with their finished events. An engine that does not answer is left alone
 * (logged): runs then answer 503 anyway. A removed container's run is recorded with what it printed until then.
 */
@ApplicationScoped
public class OrphanReaper {

    private static final Logger LOG = Logger.getLogger(OrphanReaper.class);

    /**
     * Removes this instance's leftover containers and records as {@code error} every execution it started before
     * {@code startedAt} that never finished: those with a container, and those that died before creating one.
     */
    public void reap(ContainerEngine engine, ExecutionService executions, String instance, Instant startedAt) {
        reap(engine, executions, instance, startedAt, ExecutionService.RESTARTED,
                "an earlier replica under this instance name", false);
    }

    /**
     * The same for instance {@code instance} whatever replica asks: the executions recorded with {@code why}, the log
     * naming them {@code whose}. With {@code engineFirst}, nothing is recorded unless the engine answered and its
     * containers of the instance are gone, and the answer says whether they were: a run recorded as over must not
     * leave its container running with nobody left to remove it (a trial's takeover of a gone replica's runs while
     * Podman's API was down left the container running past its deadline, and in the engine for good).
     */
    public boolean reap(ContainerEngine engine, ExecutionService executions, String instance, Instant startedAt,
                        String why, String whose, boolean engineFirst) {
        boolean engineDone = false;
        if (engine.available()) {
            try {
                for (ContainerEngine.Orphan orphan : engine.reapOrphans(instance)) {
                    boolean recorded = executions.recordOrphan(orphan, why)
                            .await().atMost(Duration.ofSeconds(30));
                    LOG.warnf("Removed container %s of execution %s left by %s%s", orphan.containerId(),
                            orphan.executionId(), whose, recorded ? "; recorded it as error" : "");
                }
                engineDone = true;
            } catch (RuntimeException e) {
                LOG.warnf("Could not look for orphaned containers: %s", e.getMessage());
            }
        }
        if (engineFirst && !engineDone) {
            return false;
        }
        for (var unfinished : executions.unfinished(instance, startedAt).await().atMost(Duration.ofSeconds(30))) {
            if (executions.recordOrphan(unfinished.orgId(), unfinished.executionId(), why)
                    .await().atMost(Duration.ofSeconds(30))) {
                LOG.warnf("Execution %s of %s never finished; recorded it as error", unfinished.executionId(), whose);
            }
        }
        return engineDone;
    }
}
