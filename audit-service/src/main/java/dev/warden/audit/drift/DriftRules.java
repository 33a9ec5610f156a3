package dev.warden.audit.drift;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
     * The frequency rule of one agent over a batch: the times of its actions recorded around the batch and of the
     * frequency drifts already reported there, to which each new action is added in turn, in whatever order actions
     * are reported. A window is {@code [start, start + window]}, both ends included.
     */
    public static final class Frequency {

        /**
         * At most this many recorded actions are read around a batch: past it, the earliest are counted, enough for any
         * limit below it to show its overflow.
         */
        public static final int MOST_READ = 10_000;

        private final Duration window;
        private final List<Instant> times;
        private final List<Instant> drifts;

        /** {@code recorded}: action times, oldest first; {@code drifts}: times of frequency drifts reported. */
        public Frequency(Duration window, List<Instant> recorded, List<Instant> drifts) {
            this.window = window;
            this.times = new ArrayList<>(recorded);
            this.drifts = new ArrayList<>(drifts);
        }

        /**
         * Adds an action at {@code at} and answers the most actions in one window that holds it: actions reported late
         * fill a window from either side of it.
         */
        public int add(Instant at) {
            times.add(first(at, true), at);
            int best = 0;
            int end = 0;
            for (int start = first(at.minus(window), false); start < times.size() && !times.get(start).isAfter(at); start++) {
                Instant last = times.get(start).plus(window);
                end = Math.max(end, start);
                while (end + 1 < times.size() && !times.get(end + 1).isAfter(last)) {
                    end++;
                }
                best = Math.max(best, end - start + 1);
            }
            return best;
        }

        /**
         * Whether a frequency drift is due for the action at {@code at}: none was reported within one window of it,
         * before or after, in this batch or an earlier one. When due, it counts as reported.
         */
        public boolean driftDue(Instant at) {
            for (Instant reported : drifts) {
                if (Duration.between(reported, at).abs().compareTo(window) <= 0) {
                    return false;
                }
            }
            drifts.add(at);
            return true;
        }

        /** The first index whose time is at or after {@code t}, or ({@code strictly}) after it. */
        private int first(Instant t, boolean strictly) {
            int lo = 0;
            int hi = times.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                Instant m = times.get(mid);
                if (strictly ? !m.isAfter(t) : m.isBefore(t)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
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
