package dev.warden.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates events against the JSON Schemas shipped in this library: the CloudEvents envelope
 * ({@code schemas/cloudevent.json}) and the payload of each type ({@code schemas/<topic>.json#/$defs/<type>}).
 */
public final class EventSchemas {

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final Map<String, JsonSchema> CACHE = new ConcurrentHashMap<>();
    private static final String ENVELOPE = "classpath:schemas/cloudevent.json";

    private EventSchemas() {
    }

    /** Every violation of the envelope and payload schemas; empty when the event is valid. */
    public static List<String> violations(JsonNode event) {
        List<String> problems = new java.util.ArrayList<>(messages(schema(ENVELOPE), event));
        String type = event.path("type").asText();
        String topic = EventTypes.TOPIC_OF.get(type);
        if (topic == null) {
            problems.add("unknown event type " + type);
            return problems;
        }
        problems.addAll(messages(schema(payload(topic, type)), event.path("data")));
        return problems;
    }

    /**
     * Compiles the envelope's schema and every type's, so that no event pays for it as it is checked: compiled on first
     * use, the first event of a type held an event loop for seconds on a busy machine (Vert.x's blocked-thread warning
     * in a user trial). Answers how many schemas it holds.
     */
    public static int prepare() {
        schema(ENVELOPE);
        EventTypes.TOPIC_OF.forEach((type, topic) -> schema(payload(topic, type)));
        return CACHE.size();
    }

    private static String payload(String topic, String type) {
        return "classpath:schemas/" + topic + ".json#/$defs/" + type;
    }

    private static JsonSchema schema(String location) {
        return CACHE.computeIfAbsent(location, l -> FACTORY.getSchema(SchemaLocation.of(l)));
    }

    private static List<String> messages(JsonSchema schema, JsonNode node) {
        return schema.validate(node).stream().map(ValidationMessage::getMessage).toList();
    }
}
