package dev.warden.audit.drift;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What an action breaks of its agent's declared intent. Pure functions of the manifest and the action, so the rules are
 * tested without a database or a broker; {@link DriftDetector} applies them inside the chain's transaction.
 */
public final class DriftRules {

    public static final String UNAUTHORIZED_SYSTEM = "unauthorized_system";
    public static final String UNAUTHORIZED_ACTION = "unauthorized_action";
    public static final String UNAUTHORIZED_DATA_TYPE = "unauthorized_data_type";
    public static final String FREQUENCY_EXCEEDED = "frequency_exceeded";
    /** Every drift type, sorted: what {@code GET /v1/drift-events?drift_type=} accepts. */
    public static final List<String> TYPES = List.of(FREQUENCY_EXCEEDED, UNAUTHORIZED_ACTION, UNAUTHORIZED_DATA_TYPE,
            UNAUTHORIZED_SYSTEM);

    private DriftRules() {
    }

    /** How many actions an agent may take per window. */
    public record Limit(int maxActions, Duration window) {
    }

    /**
     * The drift types of one action against {@code manifest}, in a fixed order: a connector not permitted, an action
     * not permitted, a data type not declared (an action naming no data type declares none).
     */
    public static List<String> broken(JsonNode manifest, String connector, String action, String dataType) {
        List<String> types = new ArrayList<>(3);
        if (!contains(manifest.get("permitted_connectors"), connector)) {
            types.add(UNAUTHORIZED_SYSTEM);
        }
        if (!contains(manifest.get("permitted_actions"), action)) {
            types.add(UNAUTHORIZED_ACTION);
        }
        if (dataType != null && !contains(manifest.get("data_types"), dataType)) {
            types.add(UNAUTHORIZED_DATA_TYPE);
        }
        return types;
    }

    /** The field of the manifest that a drift of {@code type} (other than frequency) breaks. */
    public static String manifestField(String type) {
        return switch (type) {
            case UNAUTHORIZED_SYSTEM -> "permitted_connectors";
            case UNAUTHORIZED_ACTION -> "permitted_actions";
            case UNAUTHORIZED_DATA_TYPE -> "data_types";
            default -> throw new IllegalArgumentException("no manifest field for " + type);
        };
    }

    /** The intent's own rate limit, or the organization's ceiling when it sets none. */
    public static Limit limit(JsonNode manifest, Limit ceiling) {
        JsonNode rate = manifest.path("rate_limit");
        if (rate.hasNonNull("max_actions") && rate.hasNonNull("window_seconds")) {
            return new Limit(rate.get("max_actions").asInt(), Duration.ofSeconds(rate.get("window_seconds").asLong()));
        }
        return ceiling;
    }

    /**
     * Adds an action at {@code at} to the agent's recent actions (oldest first), forgets those older than the window,
     * and answers how many are in the window now.
     */
    public static int slide(Deque<Instant> recent, Instant at, Duration window) {
        recent.addLast(at);
        while (!recent.isEmpty() && recent.peekFirst().isBefore(at.minus(window))) {
            recent.removeFirst();
        }
        return recent.size();
    }

    private static boolean contains(JsonNode list, String value) {
        if (list == null || !list.isArray() || value == null) {
            return false;
        }
        for (JsonNode item : list) {
            if (value.equals(item.asText())) {
                return true;
            }
        }
        return false;
    }
}
