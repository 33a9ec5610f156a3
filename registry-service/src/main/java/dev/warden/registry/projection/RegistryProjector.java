package dev.warden.registry.projection;

import dev.warden.api.Params;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentEvents.AgentChanged;
import dev.warden.events.agent.AgentEvents.ConnectorChanged;
import dev.warden.events.agent.AgentEvents.PolicyBindingChanged;
import dev.warden.events.agent.AgentEvents.RealmChanged;
import dev.warden.events.agent.AgentEvents.RegistrationRequested;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.CompliancePackageCreated;
import dev.warden.events.audit.AuditEvents.DriftEvent;
import dev.warden.events.execution.ExecutionEvents.ExecutionFinished;
import dev.warden.events.fleet.FleetEvents.Instance;
import dev.warden.events.fleet.FleetEvents.InstanceSummary;
import dev.warden.events.fleet.FleetEvents.InstanceTransition;
import dev.warden.registry.overview.RegistryChanges;
import dev.warden.outbox.EventConsumerLoop;
import dev.warden.outbox.EventConsumers;
import dev.warden.outbox.OrgBatches;
import dev.warden.outbox.UnprocessableEventException;
import dev.warden.tenancy.db.TenantDb;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Keeps the registry's projection from the events of every other service, a polled batch at a time: one transaction
 * per organization per batch. Every write is idempotent (revisions, set memberships, the audit sequence), so
 * redelivery and replay from offset zero leave the same state; events of one agent arrive in order (they share a
 * key), and facts about an agent may arrive before the agent itself. Unparseable records go to their dead-letter
 * topic; one that parses but cannot be applied is isolated and dead-lettered by {@link EventConsumers}.
 * <p>
 * It consumes for one generation of the projection at a time (a rebuild starts the next: see
 * {@code dev.warden.registry.rebuild}), and each of its transactions first passes the generation's fence, so a
 * consumer still running for an older generation cannot write into a rebuilt projection.
 */
@ApplicationScoped
public class RegistryProjector {

    public static final String GROUP = "registry-service";
    public static final List<String> TOPICS = List.of(Topics.AGENTS, Topics.AUDIT, Topics.FLEET, Topics.EXECUTIONS);

    /** Agent events that carry the whole agent as it now is. */
    private static final Set<String> SNAPSHOTS = Set.of(EventTypes.AGENT_CREATED, EventTypes.AGENT_UPDATED,
            EventTypes.AGENT_DEPLOYED, EventTypes.AGENT_SUSPENDED, EventTypes.AGENT_INTENT_DECLARED,
            EventTypes.AGENT_ROLLED_BACK);

    private final TenantDb db;
    private final ProjectionRepository projection;
    private final OrgBatches batches;
    private final EventConsumers consumers;
    private final RegistryChanges changes;
    private final Timer freshness;

    public RegistryProjector(TenantDb db, ProjectionRepository projection, OrgBatches batches,
                             EventConsumers consumers, RegistryChanges changes, MeterRegistry meters) {
        this.db = db;
        this.changes = changes;
        this.projection = projection;
        this.batches = batches;
        this.consumers = consumers;
        this.freshness = Timer.builder("warden.registry.freshness")
                .description("From an event's time to its application to the registry's projection")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
    }

    /**
     * Starts consuming for {@code generation} of the projection until the loop is closed: from where the group stands
     * in that generation, and every partition from its beginning when the generation is new.
     */
    public EventConsumerLoop consume(long generation) {
        return consumers.start(GROUP, TOPICS, records -> apply(generation, records), generation);
    }

    /**
     * Applies a batch for {@code generation} ({@link OrgBatches}): each organization's events, in their order, in a
     * transaction that first passes the generation's fence.
     */
    public Uni<Void> apply(long generation, List<ConsumerRecord<String, String>> records) {
        return batches.applyEvents(records, (org, events) -> changes.applying(org, db.inOrg(org, conn ->
                        projection.fence(conn, generation)
                                .chain(() -> applyAll(conn, org, events))
                                .chain(() -> projection.announce(conn, org))))
                .invoke(() -> observeFreshness(events)));
    }

    private void observeFreshness(List<CloudEvent> events) {
        Instant now = Instant.now();
        events.forEach(e -> {
            if (e.time() != null && !e.time().isAfter(now)) {
                freshness.record(Duration.between(e.time(), now));
            }
        });
    }

    /** The organization's events in order; audit entries first counted together, per agent, past the progress mark. */
    private Uni<Void> applyAll(SqlConnection conn, UUID org, List<CloudEvent> events) {
        List<AuditEntry> entries = new ArrayList<>();
        List<CloudEvent> others = new ArrayList<>();
        for (CloudEvent e : events) {
            if (EventTypes.AUDIT_ENTRY_RECORDED.equals(e.type())) {
                entries.add(parse(e, AuditEntry.class));
            } else {
                others.add(e);
            }
        }
        return countEntries(conn, org, entries)
                .chain(() -> Multi.createFrom().iterable(others).onItem()
                        .transformToUniAndConcatenate(e -> applyOne(conn, org, e)).collect().last())
                .replaceWithVoid();
    }

    private Uni<Void> countEntries(SqlConnection conn, UUID org, List<AuditEntry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return projection.auditProgress(conn).chain(progress -> {
            Map<UUID, Long> counts = new LinkedHashMap<>();
            Map<UUID, Instant> newest = new LinkedHashMap<>();
            long highest = progress;
            for (AuditEntry entry : entries) {
                if (entry.sequence() <= highest) {
                    continue; // counted already: a redelivery (entries of an organization arrive in sequence order)
                }
                highest = Math.max(highest, entry.sequence());
                UUID agent = Params.uuidOrNull(entry.agentId());
                if (agent != null) {
                    counts.merge(agent, 1L, Long::sum);
                    newest.merge(agent, entry.occurredAt(), (a, b) -> a.isAfter(b) ? a : b);
                }
            }
            long mark = highest;
            Uni<Void> counted = counts.isEmpty() ? Uni.createFrom().voidItem()
                    : projection.countEntries(conn, org, counts, newest);
            return counted.chain(() -> mark > progress ? projection.setAuditProgress(conn, org, mark)
                    : Uni.createFrom().voidItem());
        });
    }

    private Uni<Void> applyOne(SqlConnection conn, UUID org, CloudEvent e) {
        String type = e.type();
        if (SNAPSHOTS.contains(type)) {
            var agent = parse(e, AgentChanged.class).agent();
            if (agent == null || !org.equals(agent.orgId())) {
                throw new UnprocessableEventException("the agent snapshot is missing or names another organization");
            }
            return projection.upsertAgent(conn, agent);
        }
        return switch (type) {
            case EventTypes.CONNECTOR_BOUND -> {
                ConnectorChanged c = parse(e, ConnectorChanged.class);
                yield projection.bindConnector(conn, org, c.agentId(), c.binding().id());
            }
            case EventTypes.CONNECTOR_UNBOUND -> projection.unbindConnector(conn, org,
                    parse(e, ConnectorChanged.class).binding().id());
            case EventTypes.POLICY_BOUND -> {
                PolicyBindingChanged p = parse(e, PolicyBindingChanged.class);
                yield projection.bindPolicy(conn, org, p.agentId(), p.policy().id());
            }
            case EventTypes.POLICY_UNBOUND -> {
                PolicyBindingChanged p = parse(e, PolicyBindingChanged.class);
                yield projection.unbindPolicy(conn, org, p.agentId(), p.policy().id());
            }
            case EventTypes.REALM_CREATED, EventTypes.REALM_CHANGED -> projection.upsertRealm(conn,
                    parse(e, RealmChanged.class).realm());
            case EventTypes.REALM_DELETED -> projection.deleteRealm(conn, org, parse(e, RealmChanged.class).realm().id());
            case EventTypes.REGISTRATION_REQUESTED -> {
                var r = parse(e, RegistrationRequested.class).registration();
                yield projection.addPendingRegistration(conn, org, r.id(), r.name(), r.requestedAt());
            }
            case EventTypes.REGISTRATION_APPROVED, EventTypes.REGISTRATION_REJECTED, EventTypes.REGISTRATION_EXPIRED ->
                    projection.removePendingRegistration(conn, UUID.fromString(e.data().path("registration").path("id").asText()));
            case EventTypes.AUDIT_DRIFT_DETECTED -> {
                DriftEvent d = parse(e, DriftEvent.class);
                UUID agent = Params.uuidOrNull(d.agentId());
                yield agent == null ? Uni.createFrom().voidItem() : projection.addDrift(conn, org, d.id(), agent, d.occurredAt());
            }
            case EventTypes.AUDIT_COMPLIANCE_PACKAGE_CREATED -> {
                CompliancePackageCreated p = parse(e, CompliancePackageCreated.class);
                UUID agent = Params.uuidOrNull(p.agentId());
                yield agent == null ? Uni.createFrom().voidItem() : projection.addCompliancePackage(conn, org, p.id(), agent);
            }
            case EventTypes.EXECUTION_FINISHED -> {
                ExecutionFinished x = parse(e, ExecutionFinished.class);
                yield projection.executionFinished(conn, org, x.agentId(), x.status(), x.finishedAt());
            }
            case EventTypes.FLEET_INSTANCE_REGISTERED, EventTypes.FLEET_INSTANCE_ONLINE, EventTypes.FLEET_INSTANCE_STALE,
                 EventTypes.FLEET_INSTANCE_OFFLINE, EventTypes.FLEET_INSTANCE_DEREGISTERED -> {
                InstanceTransition t = parse(e, InstanceTransition.class);
                Instance i = t.instance();
                Uni<Void> kept = projection.instanceChanged(conn, org, i.id(), i.agentId(), t.state(), i.lastHeartbeat(), t.at());
                yield i.agentId() == null ? kept : kept.chain(() -> projection.refreshInstances(conn, org, i.agentId()));
            }
            case EventTypes.FLEET_INSTANCE_SUMMARY -> {
                InstanceSummary summary = parse(e, InstanceSummary.class);
                Instance i = summary.instance();
                Uni<Void> kept = projection.instanceSeen(conn, org, i.id(), i.agentId(), i.lastHeartbeat(), summary.at());
                yield i.agentId() == null ? kept : kept.chain(() -> projection.refreshInstances(conn, org, i.agentId()));
            }
            // Everything else (policy definitions, rules, checkpoints, ...) changes nothing the registry shows.
            default -> Uni.createFrom().voidItem();
        };
    }

    private static <T> T parse(CloudEvent e, Class<T> type) {
        try {
            return e.dataAs(type);
        } catch (IllegalArgumentException invalid) {
            throw new UnprocessableEventException(invalid.getMessage());
        }
    }
}
