package dev.warden.events;

/** Every Kafka topic of Warden. Domain topics are keyed by agent id, so one agent's events stay in order. */
public final class Topics {

    /** Compacted: organizations and API keys, keyed {@code org:<id>} and {@code api-key:<id>}. */
    public static final String ACCESS = "warden.access.v1";
    public static final String AGENTS = "warden.agents.v1";
    public static final String FLEET = "warden.fleet.v1";
    public static final String EXECUTIONS = "warden.executions.v1";
    public static final String AGENT_ACTIONS = "warden.agent-actions.v1";
    public static final String AUDIT = "warden.audit.v1";

    private static final String DEAD_LETTER = ".dlq";

    private Topics() {
    }

    /** Where a consumer puts a message it cannot parse, with the reason in a header. */
    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER;
    }

    public static boolean isDeadLetter(String topic) {
        return topic.endsWith(DEAD_LETTER);
    }
}
