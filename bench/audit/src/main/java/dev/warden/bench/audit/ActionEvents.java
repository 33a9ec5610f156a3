package dev.warden.bench.audit;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditEvents.AgentAction;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Realistic {@code dev.warden.agent-action.performed.v1} CloudEvents: {@code orgs} organizations, {@code agents}
 * agents spread over them (agent j belongs to org j mod orgs), a few connectors, actions and data types, random
 * input and output hashes, one event per agent every few milliseconds. The sequence is deterministic for a seed.
 */
final class ActionEvents {

    private static final List<String> CONNECTORS = List.of("salesforce", "slack", "github", "jira", "postgres", "s3",
            "gmail", "stripe");
    private static final List<String> ACTIONS = List.of("read", "list", "create", "update", "send", "query", "delete");
    private static final List<String> DATA_TYPES = List.of("customer_record", "message", "source_code", "ticket",
            "invoice", "document");
    private static final List<String> ACTORS = List.of("alice@example.com", "bob@example.com", "scheduler",
            "carol@example.com");

    /** An event as the topic holds it: record key (the agent id) and the CloudEvent JSON. */
    record Record(String key, String value) {
    }

    private final Random random;
    private final List<UUID> orgs;
    private final List<UUID> agents;
    private final byte[] hash = new byte[32];
    private Instant time = Instant.parse("2026-11-01T00:00:00Z");

    ActionEvents(int orgs, int agents, long seed) {
        this.random = new Random(seed);
        this.orgs = java.util.stream.IntStream.range(0, orgs)
                .mapToObj(i -> UUID.nameUUIDFromBytes(("bench-org-" + i).getBytes(StandardCharsets.UTF_8))).toList();
        this.agents = java.util.stream.IntStream.range(0, agents)
                .mapToObj(i -> UUID.nameUUIDFromBytes(("bench-agent-" + i).getBytes(StandardCharsets.UTF_8))).toList();
    }

    List<UUID> orgs() {
        return orgs;
    }

    CloudEvent nextEvent() {
        int a = random.nextInt(agents.size());
        UUID agent = agents.get(a);
        UUID org = orgs.get(a % orgs.size());
        time = time.plus(200 + random.nextInt(400), ChronoUnit.MICROS);
        AgentAction action = new AgentAction(agent, ACTORS.get(random.nextInt(ACTORS.size())),
                CONNECTORS.get(random.nextInt(CONNECTORS.size())), ACTIONS.get(random.nextInt(ACTIONS.size())),
                DATA_TYPES.get(random.nextInt(DATA_TYPES.size())), random.nextInt(20) == 0 ? "failure" : "success",
                hex(), hex(), time);
        return new CloudEvent(CloudEvent.SPEC_VERSION, new UUID(random.nextLong(), random.nextLong()),
                "/warden/audit-service", EventTypes.AGENT_ACTION, agent.toString(), time, "application/json", org,
                EventJson.MAPPER.valueToTree(action), null);
    }

    Record next() {
        CloudEvent e = nextEvent();
        return new Record(e.subject(), EventJson.write(e));
    }

    private String hex() {
        random.nextBytes(hash);
        return HexFormat.of().formatHex(hash);
    }
}
