package dev.warden.audit.action;

import dev.warden.audit.action.ActionResource.ActionItem;
import dev.warden.audit.agent.KnownAgentRepository;
import dev.warden.audit.recording.AuditRecorder;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditEvents.AgentAction;
import dev.warden.outbox.Outbox;
import dev.warden.outbox.ReplayOffsets;
import dev.warden.tenancy.db.Projections;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

/**
 * Publishes a checked batch of agent actions on {@code warden.agent-actions.v1} through the outbox, all or nothing;
 * the chain records them from there like every other event. Only about an agent the caller's organization has.
 */
@ApplicationScoped
public class ActionService {

    private final TenantDb db;
    private final Outbox outbox;
    private final KnownAgentRepository agents;
    private final Projections projections;
    private final ReplayOffsets offsets;

    public ActionService(TenantDb db, Outbox outbox, KnownAgentRepository agents, Projections projections,
                         ReplayOffsets offsets) {
        this.db = db;
        this.offsets = offsets;
        this.projections = projections;
        this.outbox = outbox;
        this.agents = agents;
    }

    /** Answers the ids of the events published, one per action, in order. */
    public Uni<List<UUID>> report(UUID org, String reporter, UUID agent, List<ActionItem> actions) {
        List<Outbox.Message> messages = actions.stream().map(a -> new Outbox.Message(EventTypes.AGENT_ACTION,
                agent.toString(), agent.toString(), new AgentAction(agent, reporter, a.connector(), a.action(),
                a.dataType(), a.status(), a.inputsHash(), a.outputsHash(), a.occurredAt()))).toList();
        // An agent created a moment ago may not have reached audit-service yet: waited for, then a 404 once the broker
        // confirms it has nothing more of it (a 503 when it cannot)
        return projections.withCatchUp(org, () -> db.inOrg(org, conn -> agents.require(conn, agent.toString())
                        .chain(() -> outbox.emitAll(conn, org, messages))),
                conn -> agents.known(conn, agent.toString()),
                offsets.agentApplied(AuditRecorder.GROUP, agent))
                .map(events -> events.stream().map(CloudEvent::id).toList());
    }
}
