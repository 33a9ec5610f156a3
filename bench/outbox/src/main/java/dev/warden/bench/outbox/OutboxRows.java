package dev.warden.bench.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentEvents.AgentDeployed;
import dev.warden.events.agent.AgentEvents.ConnectorBinding;
import dev.warden.events.agent.AgentEvents.ConnectorChanged;
import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentStatus;
import dev.warden.events.agent.AgentType;
import dev.warden.events.agent.AgentVersion;
import dev.warden.events.agent.Capabilities;
import dev.warden.events.agent.McpIntegration;
import dev.warden.events.agent.Notifications;
import dev.warden.events.agent.RiskConfig;

import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Realistic outbox rows of {@code warden.agents.v1}, as agent-service writes them, keyed by agent id over a fixed set
 * of agents. Two kinds: {@code connector} ({@code dev.warden.agent.connector-bound.v1}: the binding with its
 * connector configuration, about 1 KB of JSON, the bench's default) and {@code deployed}
 * ({@code dev.warden.agent.deployed.v1}: the whole agent snapshot plus the deployment, about 2.2 KB, which
 * PostgreSQL stores compressed).
 */
final class OutboxRows {

    static final String SOURCE = "/warden/agent-service";
    static final String TOPIC = Topics.AGENTS;

    /** One row of {@code warden_outbox} (seq and created_at come from the table's defaults). */
    record Row(UUID orgId, String topic, String key, UUID eventId, String type, String payload) {
    }

    private static final String[] RUNTIMES = {"python3.12", "node22", "java21", "go1.23"};
    private static final String[] ACTIONS = {"read", "write", "search", "send_email", "create_ticket", "query_db",
            "call_api", "summarize"};
    private static final String[] RESOURCES = {"crm://accounts/*", "jira://projects/SUP", "s3://reports/*",
            "gdrive://shared/finance", "postgres://analytics/*", "slack://channels/ops"};

    private final UUID[] agents;
    private final UUID[] orgOfAgent;
    private final Instant[] createdAt;
    private final long[] revision;
    private final SplittableRandom random;

    private final boolean deployed;

    OutboxRows(String kind, int agentCount, int orgCount, long seed) {
        this.deployed = switch (kind) {
            case "deployed" -> true;
            case "connector" -> false;
            default -> throw new IllegalArgumentException("BENCH_PAYLOAD is connector or deployed, not " + kind);
        };
        random = new SplittableRandom(seed);
        UUID[] orgs = new UUID[orgCount];
        for (int i = 0; i < orgCount; i++) {
            orgs[i] = new UUID(random.nextLong(), random.nextLong());
        }
        agents = new UUID[agentCount];
        orgOfAgent = new UUID[agentCount];
        createdAt = new Instant[agentCount];
        revision = new long[agentCount];
        Instant base = Instant.parse("2026-01-05T09:00:00Z");
        for (int i = 0; i < agentCount; i++) {
            agents[i] = new UUID(random.nextLong(), random.nextLong());
            orgOfAgent[i] = orgs[i % orgCount];
            createdAt[i] = base.plusSeconds(random.nextInt(3_000_000));
            revision[i] = 1 + random.nextInt(20);
        }
    }

    /** The next event, about a random agent. */
    Row next() {
        int a = random.nextInt(agents.length);
        return deployed ? deployed(a) : connectorBound(a);
    }

    /** A connector bound to the agent: the binding and its configuration. */
    private Row connectorBound(int a) {
        UUID agentId = agents[a];
        UUID orgId = orgOfAgent[a];
        Instant now = Instant.now();
        ObjectNode config = EventJson.MAPPER.createObjectNode();
        config.put("base_url", "https://acme-" + (a % 50) + ".atlassian.net");
        config.put("project", "SUP-" + (a % 20));
        config.putArray("scopes").add("read:jira-work").add("write:jira-work").add("read:jira-user");
        config.put("credentials_ref", "vault://warden/" + orgId + "/connectors/jira-" + hex(6));
        config.put("rate_limit_per_minute", 120);
        ObjectNode sync = config.putObject("sync");
        sync.put("mode", "incremental");
        sync.put("interval_seconds", 300);
        sync.putArray("issue_types").add("Bug").add("Incident").add("Service Request");
        config.putObject("field_mapping").put("priority", "customfield_10010").put("customer", "customfield_10042");
        ConnectorBinding binding = new ConnectorBinding(new UUID(random.nextLong(), random.nextLong()), agentId,
                "jira", "support-jira-" + (a % 7), config, "user:" + (a % 40) + "@example.com", now);
        String type = EventTypes.CONNECTOR_BOUND;
        CloudEvent event = CloudEvent.of(SOURCE, type, agentId.toString(), orgId,
                new ConnectorChanged(agentId, binding));
        return new Row(orgId, TOPIC, agentId.toString(), event.id(), type, EventJson.write(event));
    }

    /** A deployment of the agent, with a new version and revision: the whole agent and the deployment. */
    private Row deployed(int a) {
        long rev = ++revision[a];
        int version = (int) (rev / 2) + 1;
        UUID agentId = agents[a];
        UUID orgId = orgOfAgent[a];
        Instant now = Instant.now();
        String image = "registry.example.com/agents/support-triage-" + (a % 97) + ":1." + version + ".0";

        ObjectNode intent = EventJson.MAPPER.createObjectNode();
        intent.put("purpose", "Triage inbound support tickets and draft first responses for human review");
        intent.putArray("data_access").add("crm://accounts/*").add("jira://projects/SUP");
        intent.put("autonomy", "supervised");

        ObjectNode metadata = EventJson.MAPPER.createObjectNode();
        metadata.put("team", "support-" + (a % 12));
        metadata.put("cost_center", "CC-" + (1000 + a % 50));

        AgentSnapshot agent = new AgentSnapshot(agentId, orgId, "support-triage-" + a,
                "Reads new support tickets, classifies them and proposes a reply.", "user:" + (a % 40) + "@example.com",
                RUNTIMES[a % RUNTIMES.length], image, AgentStatus.ACTIVE, version, intent, "user:security@example.com",
                createdAt[a].plusSeconds(60), "sha256:" + hex(32), AgentType.SUPERVISED, RiskConfig.DEFAULTS,
                new Capabilities(pick(ACTIONS, 3), pick(RESOURCES, 2), List.of("s3://secrets/*")),
                McpIntegration.NONE, Notifications.NONE, List.of("support", "tier-" + (a % 3)), metadata, rev,
                createdAt[a], "user:" + (a % 40) + "@example.com", now, "ci:deployer", null, null, List.of(), null, null,
                null, null, null, null, null);

        ObjectNode config = EventJson.MAPPER.createObjectNode();
        config.put("replicas", 1 + a % 3);
        config.put("timeout_seconds", 30);
        AgentVersion deployment = new AgentVersion(new UUID(random.nextLong(), random.nextLong()), agentId, version,
                image, config, "ci:deployer", "release " + version, now);

        String type = EventTypes.AGENT_DEPLOYED;
        CloudEvent event = CloudEvent.of(SOURCE, type, agentId.toString(), orgId, new AgentDeployed(agent, deployment, false));
        return new Row(orgId, TOPIC, agentId.toString(), event.id(), type, EventJson.write(event));
    }

    private List<String> pick(String[] from, int n) {
        int start = random.nextInt(from.length);
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = from[(start + i) % from.length];
        }
        return List.of(out);
    }

    private String hex(int bytes) {
        StringBuilder s = new StringBuilder(bytes * 2);
        for (int i = 0; i < bytes; i++) {
            s.append(Character.forDigit(random.nextInt(16), 16)).append(Character.forDigit(random.nextInt(16), 16));
        }
        return s.toString();
    }
}
