package dev.warden.audit.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.audit.drift.DriftRepository.StoredIntent;
import dev.warden.events.audit.AuditEvents.DriftEvent;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Compares each action an agent performed with the intent it declared: a connector not permitted is
 * {@code unauthorized_system}, an action not permitted {@code unauthorized_action}, a data type not declared
 * {@code unauthorized_data_type}, and more actions in a window than the intent (or, without a rate limit, the
 * organization default) allows {@code frequency_exceeded}. An agent without a declared intent is not checked.
 * It runs inside the chain's transaction, so an action and its drift are recorded together or not at all.
 */
@ApplicationScoped
public class DriftDetector {

    public static final String DRIFT_TYPE = EventTypes.AUDIT_DRIFT_DETECTED;

    private final DriftRepository repository;
    private final Config config;

    public DriftDetector(DriftRepository repository, Config config) {
        this.repository = repository;
        this.config = config;
    }

    /** A new event and the entry it becomes. */
    public record Incoming(CloudEvent event, AuditEntry entry) {
    }

    /** What to chain, in order; a drift entry carries its drift event (sequence filled in once linked). */
    public record Chained(AuditEntry entry, DriftEvent drift) {
    }

    public Uni<List<Chained>> expand(SqlConnection conn, UUID org, List<Incoming> incoming, Instant now) {
        // Agents that acted, and agents whose snapshot arrives: the stored revision decides which snapshot is newer.
        Set<String> acting = new java.util.HashSet<>();
        incoming.stream().filter(i -> i.entry().agentId() != null && (EventTypes.AGENT_ACTION.equals(i.event().type())
                        || i.event().data() != null && i.event().data().has("agent")))
                .forEach(i -> acting.add(i.entry().agentId()));
        return repository.intents(conn, acting).chain(intents -> {
            Map<String, StoredIntent> changed = new LinkedHashMap<>();
            for (Incoming i : incoming) {
                JsonNode agent = i.event().data() == null ? null : i.event().data().get("agent");
                if (agent != null && agent.hasNonNull("id") && agent.hasNonNull("revision")) {
                    StoredIntent current = intents.get(agent.get("id").asText());
                    long revision = agent.get("revision").asLong();
                    if (current == null || current.revision() < revision) {
                        StoredIntent next = new StoredIntent(agent.get("declared_intent"), revision, agent);
                        intents.put(agent.get("id").asText(), next);
                        changed.put(agent.get("id").asText(), next);
                    }
                }
            }
            return history(conn, incoming, intents).chain(recent -> {
                List<Chained> out = new ArrayList<>();
                for (Incoming i : incoming) {
                    out.add(new Chained(i.entry(), null));
                    if (EventTypes.AGENT_ACTION.equals(i.event().type())) {
                        StoredIntent intent = intents.get(i.entry().agentId());
                        if (intent != null && intent.declared()) {
                            for (DriftEvent drift : check(org, i, intent, recent, now)) {
                                out.add(new Chained(entryOf(drift), drift));
                            }
                        }
                    }
                }
                return repository.saveIntents(conn, org, changed).replaceWith(out);
            });
        });
    }

    private List<DriftEvent> check(UUID org, Incoming i, StoredIntent intent, Map<String, DriftRules.Frequency> recent,
                                   Instant now) {
        JsonNode data = i.event().data();
        String connector = text(data, "connector");
        String action = text(data, "action");
        String dataType = text(data, "data_type");
        Instant at = i.entry().occurredAt();
        List<DriftEvent> drifts = new ArrayList<>();
        for (String type : DriftRules.broken(intent.manifest(), connector, action, dataType)) {
            drifts.add(drift(org, i, type, details(DriftRules.manifestField(type), intent.manifest()), now));
        }
        DriftRules.Limit limit = limit(intent.manifest());
        DriftRules.Frequency frequency = recent.computeIfAbsent(i.entry().agentId(),
                a -> new DriftRules.Frequency(limit.window(), List.of(), List.of()));
        int inWindow = frequency.add(at);
        if (inWindow > limit.maxActions() && frequency.driftDue(at)) {
            ObjectNode details = JsonNodeFactory.instance.objectNode()
                    .put("max_actions", limit.maxActions()).put("window_seconds", limit.window().toSeconds())
                    .put("actions_in_window", inWindow);
            drifts.add(drift(org, i, DriftRules.FREQUENCY_EXCEEDED, details, now));
        }
        return drifts;
    }

    /**
     * For each checked agent, what is recorded around this batch's actions: the actions, and the frequency drifts
     * already reported, from a window before its earliest action to a window after its latest. Actions are reported
     * late and out of order, so a window can fill from either side of an action, and a drift of an earlier batch
     * counts against this one's (once per window).
     */
    private Uni<Map<String, DriftRules.Frequency>> history(SqlConnection conn, List<Incoming> incoming,
                                                          Map<String, StoredIntent> intents) {
        Map<String, Instant[]> span = new HashMap<>();
        incoming.stream().filter(i -> EventTypes.AGENT_ACTION.equals(i.event().type()))
                .filter(i -> intents.containsKey(i.entry().agentId()) && intents.get(i.entry().agentId()).declared())
                .forEach(i -> span.merge(i.entry().agentId(), new Instant[]{i.entry().occurredAt(), i.entry().occurredAt()},
                        (a, b) -> new Instant[]{a[0].isBefore(b[0]) ? a[0] : b[0], a[1].isAfter(b[1]) ? a[1] : b[1]}));
        Map<String, DriftRules.Frequency> recent = new HashMap<>();
        return Multi.createFrom().iterable(span.entrySet()).onItem().transformToUniAndConcatenate(e -> {
            Duration window = limit(intents.get(e.getKey()).manifest()).window();
            Instant from = e.getValue()[0].minus(window);
            Instant to = e.getValue()[1].plus(window);
            return repository.actionTimes(conn, e.getKey(), from, to, DriftRules.Frequency.MOST_READ)
                    .chain(times -> repository.frequencyDrifts(conn, e.getKey(), from, to)
                            .invoke(drifts -> recent.put(e.getKey(), new DriftRules.Frequency(window, times, drifts))));
        }).collect().last().replaceWith(recent);
    }

    private static DriftEvent drift(UUID org, Incoming i, String type, JsonNode details, Instant now) {
        // The same action always yields the same drift id, so a replay records nothing twice.
        UUID id = UUID.nameUUIDFromBytes((i.event().id() + ":" + type).getBytes(StandardCharsets.UTF_8));
        JsonNode data = i.event().data();
        return new DriftEvent(id, org, i.entry().agentId(), type, i.event().id(), text(data, "connector"),
                text(data, "action"), text(data, "data_type"), details, i.entry().occurredAt(), now, 0);
    }

    private static AuditEntry entryOf(DriftEvent d) {
        ObjectNode metadata = JsonNodeFactory.instance.objectNode()
                .put("drift_type", d.driftType()).put("action_event_id", d.actionEventId().toString())
                .put("action", d.action()).put("data_type", d.dataType());
        metadata.set("details", d.details());
        return new AuditEntry(d.orgId(), 0, d.id(), DRIFT_TYPE, d.agentId(), "warden-drift-detector",
                "drift." + d.driftType(), d.connector(), "detected", null, null, metadata, d.occurredAt(), d.detectedAt(),
                null, null);
    }

    private static ObjectNode details(String field, JsonNode manifest) {
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.set(field, manifest.get(field));
        return details;
    }

    private DriftRules.Limit limit(JsonNode manifest) {
        return DriftRules.limit(manifest, new DriftRules.Limit(config.defaultMaxActions(), config.defaultWindow()));
    }

    private static String text(JsonNode data, String field) {
        return data == null || !data.hasNonNull(field) ? null : data.get(field).asText();
    }

    @ConfigMapping(prefix = "warden.audit.drift")
    public interface Config {

        /** Most actions per window for an agent whose intent sets no rate limit: the organization's ceiling. */
        @WithDefault("600")
        int defaultMaxActions();

        @WithDefault("60s")
        Duration defaultWindow();
    }
}
