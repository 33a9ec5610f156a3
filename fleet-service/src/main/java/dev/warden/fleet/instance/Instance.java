package dev.warden.fleet.instance;

import dev.warden.events.fleet.FleetEvents;
import io.vertx.mutiny.sqlclient.Row;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** A fleet instance as stored: one running copy of a governed agent (seed 003 calls it an agent). */
public record Instance(String id, UUID orgId, UUID agentId, String hostname, String os, String version, String ip,
                       List<String> tags, String status, Double cpu, Double memory, Double uptime,
                       Integer activePolicyVersion, Instant lastHeartbeat, Instant registeredAt) {

    public static final String COLUMNS = "id, org_id, agent_id, hostname, os, version, ip, tags, status, cpu, memory, "
            + "uptime, active_policy_version, last_heartbeat, registered_at";

    public static Instance from(Row row) {
        String[] tags = row.getArrayOfStrings("tags");
        return new Instance(row.getString("id"), row.getUUID("org_id"), row.getUUID("agent_id"),
                row.getString("hostname"), row.getString("os"), row.getString("version"), row.getString("ip"),
                tags == null ? List.of() : Arrays.asList(tags), row.getString("status"), row.getDouble("cpu"),
                row.getDouble("memory"), row.getDouble("uptime"),
                row.getInteger("active_policy_version"), row.getOffsetDateTime("last_heartbeat").toInstant(),
                row.getOffsetDateTime("registered_at").toInstant());
    }

    public FleetEvents.Instance event() {
        return new FleetEvents.Instance(id, orgId, agentId, hostname, os, version, ip, tags, registeredAt, lastHeartbeat);
    }

    /** The key of its events: the governed agent it runs (per-agent order), else itself. */
    public String subject() {
        return agentId != null ? agentId.toString() : id;
    }
}
