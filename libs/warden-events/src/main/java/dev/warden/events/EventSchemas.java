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

    private EventSchemas() {
    }

    /** Every violation of the envelope and payload schemas; empty when the event is valid. */
    public static List<String> violations(JsonNode event) {
        List<String> problems = new java.util.ArrayList<>(messages(schema("classpath:schemas/cloudevent.json"), event));
        String type = event.path("type").asText();
        String topic = EventTypes.TOPIC_OF.get(type);
        if (topic == null) {
            problems.add("unknown event type " + type);
            return problems;
        }
        problems.addAll(messages(schema("classpath:schemas/" + topic + ".json#/$defs/" + type), event.path("data")));
        return problems;
    }

    private static JsonSchema schema(String location) {
        return CACHE.computeIfAbsent(location, l -> FACTORY.getSchema(SchemaLocation.of(l)));
    }

    private static List<String> messages(JsonSchema schema, JsonNode node) {
        return schema.validate(node).stream().map(ValidationMessage::getMessage).toList();
    }
}
