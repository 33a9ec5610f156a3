package dev.warden.agent.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventSchemas;
import dev.warden.testing.EventTap;
import org.eclipse.microprofile.config.ConfigProvider;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reads what agent-service published, and checks each event against its JSON Schema. */
public final class Events {

    private Events() {
    }

    public static EventTap tap(String topic) {
        return new EventTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), topic);
    }

    /** The first {@code count} events about {@code subject}, in publication order, each valid against its schema. */
    public static List<JsonNode> about(String topic, String subject, int count) {
        try (EventTap tap = tap(topic)) {
            List<JsonNode> events = tap.eventsAbout(subject, count, Duration.ofSeconds(30));
            for (JsonNode event : events) {
                assertEquals(List.of(), EventSchemas.violations(event), "schema violations of " + event);
            }
            return events;
        }
    }

    public static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }
}
