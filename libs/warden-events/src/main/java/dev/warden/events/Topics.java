package dev.warden.events;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every Kafka topic of Warden and how each is kept, the same wherever one is created: by the cluster's KafkaTopics
 * (deploy/k8s), by the launcher's broker before any service starts, and by a relay that finds its topic missing.
 * Domain topics are keyed by agent id, so one agent's events stay in order.
 */
public final class Topics {

    /** Compacted: organizations and API keys, keyed {@code org:<id>} and {@code api-key:<id>}. */
    public static final String ACCESS = "warden.access.v1";
    public static final String AGENTS = "warden.agents.v1";
    public static final String FLEET = "warden.fleet.v1";
    public static final String EXECUTIONS = "warden.executions.v1";
    public static final String AGENT_ACTIONS = "warden.agent-actions.v1";
    public static final String AUDIT = "warden.audit.v1";

    /** Every topic above, in this order; each has its dead-letter topic ({@link #deadLetter}). */
    public static final List<String> ALL = List.of(ACCESS, AGENTS, FLEET, EXECUTIONS, AGENT_ACTIONS, AUDIT);

    /** Partitions of every topic, dead-letter topics too. */
    public static final int PARTITIONS = 6;

    private static final String DEAD_LETTER = ".dlq";
    /** Domain topics are kept forever: the projections (registry-service) are rebuilt by replaying them from zero. */
    private static final String KEEP_FOREVER = "-1";
    /** A dead letter is kept for two weeks: long enough to be looked at and replayed after a holiday. */
    private static final String DEAD_LETTER_RETENTION = String.valueOf(14L * 24 * 3600 * 1000);

    private Topics() {
    }

    /** Where a consumer puts a message it cannot parse, with the reason in a header. */
    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER;
    }

    public static boolean isDeadLetter(String topic) {
        return topic.endsWith(DEAD_LETTER);
    }

    /**
     * The topic's own settings (Kafka topic configs): the access topic compacted (its latest record per key is the
     * state), every other domain topic kept forever, dead-letter topics two weeks.
     */
    public static Map<String, String> settings(String topic) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (ACCESS.equals(topic)) {
            settings.put("cleanup.policy", "compact");
        } else {
            settings.put("cleanup.policy", "delete");
            settings.put("retention.ms", isDeadLetter(topic) ? DEAD_LETTER_RETENTION : KEEP_FOREVER);
        }
        return settings;
    }
}
