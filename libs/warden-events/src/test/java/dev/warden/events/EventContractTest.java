package dev.warden.events;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The event contract holds together, so that what a new service adds in one place is added in each place that needs
 * it (docs/architecture.md, "Adding a service", step 4): every topic is in {@link Topics#ALL} (the test broker, the
 * launcher and the Kubernetes KafkaTopics are made from that list only), every event type has its topic in
 * {@link EventTypes#TOPIC_OF} (Outbox refuses a type without one) and its schema in that topic's schema file, and
 * docs/asyncapi.yaml describes each topic and type. Each failure says what to add where.
 */
class EventContractTest {

    private static final String SCHEMAS = "libs/warden-events/src/main/resources/schemas/";

    @Test
    void everyTopicConstantIsInTopicsAll() {
        List<String> problems = new ArrayList<>();
        for (String topic : constants(Topics.class).values()) {
            if (!Topics.ALL.contains(topic)) {
                problems.add(topic + " is a constant of Topics but not in Topics.ALL: add it there (the broker of the"
                        + " tests and of the launcher, and deploy/k8s's KafkaTopics, are created from Topics.ALL only)");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyTopicAKafkaAccessWritesOrReadsIsInTopicsAll() {
        List<String> problems = new ArrayList<>();
        List<KafkaAccess> principals = new ArrayList<>(KafkaAccess.SERVICES);
        principals.addAll(KafkaAccess.OUTSIDE);
        for (KafkaAccess access : principals) {
            for (String topic : access.writes()) {
                problems.addAll(notInAll(access, "writes", topic));
            }
            for (String topic : access.reads()) {
                problems.addAll(notInAll(access, "reads", topic));
            }
        }
        assertEquals(List.of(), problems);
    }

    private static List<String> notInAll(KafkaAccess access, String verb, String topic) {
        String domain = Topics.isDeadLetter(topic) ? topic.substring(0, topic.length() - ".dlq".length()) : topic;
        if (Topics.ALL.contains(domain)) {
            return List.of();
        }
        return List.of("KafkaAccess of " + access.principal() + " " + verb + " " + topic + ", but " + domain
                + " is not in Topics.ALL: add its constant to Topics.ALL (libs/warden-events, Topics.java), or the"
                + " topic is never created and the service's ACLs name a topic that does not exist");
    }

    @Test
    void everyEventTypeConstantHasItsTopicInTopicOf() {
        List<String> problems = new ArrayList<>();
        for (var constant : constants(EventTypes.class).entrySet()) {
            String topic = EventTypes.TOPIC_OF.get(constant.getValue());
            if (topic == null) {
                problems.add("EventTypes." + constant.getKey() + " (" + constant.getValue() + ") has no entry in"
                        + " EventTypes.TOPIC_OF: add Map.entry(" + constant.getKey() + ", Topics.<TOPIC>) there, or"
                        + " Outbox.emit throws \"no topic for event type ...\"");
            }
        }
        for (var entry : EventTypes.TOPIC_OF.entrySet()) {
            if (!Topics.ALL.contains(entry.getValue())) {
                problems.add("EventTypes.TOPIC_OF sends " + entry.getKey() + " to " + entry.getValue()
                        + ", which is not in Topics.ALL: add it to Topics.ALL");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyEventTypeHasItsSchemaInItsTopicsSchemaFile() {
        List<String> problems = new ArrayList<>();
        Map<String, JsonNode> files = new LinkedHashMap<>();
        for (String topic : new LinkedHashSet<>(EventTypes.TOPIC_OF.values())) {
            JsonNode schema = schemaFile(topic);
            if (schema == null) {
                problems.add("no schema file for topic " + topic + ": create " + SCHEMAS + topic + ".json (one file per"
                        + " topic, each event type's payload under $defs/<type>; see EventSchemas)");
            } else {
                files.put(topic, schema);
            }
        }
        for (var entry : EventTypes.TOPIC_OF.entrySet()) {
            JsonNode schema = files.get(entry.getValue());
            if (schema != null && !schema.path("$defs").has(entry.getKey())) {
                problems.add(SCHEMAS + entry.getValue() + ".json has no $defs entry \"" + entry.getKey()
                        + "\": add the payload schema of that event type there (EventSchemas validates"
                        + " schemas/<topic>.json#/$defs/<type>)");
            }
        }
        for (var file : files.entrySet()) {
            file.getValue().path("$defs").fieldNames().forEachRemaining(name -> {
                if (name.startsWith("dev.warden.") && !file.getKey().equals(EventTypes.TOPIC_OF.get(name))) {
                    problems.add(SCHEMAS + file.getKey() + ".json defines " + name + ", but EventTypes.TOPIC_OF "
                            + (EventTypes.TOPIC_OF.containsKey(name) ? "sends it to " + EventTypes.TOPIC_OF.get(name)
                                    : "has no entry for it") + ": add the type's constant and its TOPIC_OF entry,"
                            + " or move its schema to its topic's file");
                }
            });
        }
        assertEquals(List.of(), problems);
    }

    /** docs/asyncapi.yaml: a channel per topic, an operation on it, and a message per type on its topic's channel. */
    @Test
    void theAsyncApiDocumentHasAChannelOperationAndMessageForEveryTopicAndType() throws IOException {
        String doc = Files.readString(asyncApi());
        String channels = section(doc, "channels:", "operations:");
        String operations = section(doc, "operations:", "components:");
        String messages = doc.substring(doc.indexOf("\ncomponents:") + 1);

        Map<String, String> channelOfTopic = new LinkedHashMap<>();
        Map<String, Set<String>> messagesOfChannel = new LinkedHashMap<>();
        String channel = null;
        for (String line : channels.lines().toList()) {
            Matcher key = Pattern.compile("^  ([A-Za-z0-9]+):\\s*$").matcher(line);
            Matcher address = Pattern.compile("^    address: (\\S+)").matcher(line);
            Matcher message = Pattern.compile("^      [A-Za-z0-9]+: \\{\\$ref: '#/components/messages/([A-Za-z0-9]+)'}")
                    .matcher(line);
            if (key.find()) {
                channel = key.group(1);
                messagesOfChannel.put(channel, new LinkedHashSet<>());
            } else if (address.find() && channel != null) {
                channelOfTopic.put(address.group(1), channel);
            } else if (message.find() && channel != null) {
                messagesOfChannel.get(channel).add(message.group(1));
            }
        }
        Set<String> operated = new LinkedHashSet<>();
        Matcher ref = Pattern.compile("channel: \\{\\$ref: '#/channels/([A-Za-z0-9]+)'}").matcher(operations);
        while (ref.find()) {
            operated.add(ref.group(1));
        }
        Map<String, String> messageOfType = new LinkedHashMap<>();
        Map<String, String> lineOfMessage = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^    ([A-Za-z0-9]+): \\{name: ([^,\\s]+),(.*)$").matcher(messages);
        while (m.find()) {
            messageOfType.put(m.group(2), m.group(1));
            lineOfMessage.put(m.group(1), m.group(3));
        }

        List<String> problems = new ArrayList<>();
        for (String topic : Topics.ALL) {
            String ch = channelOfTopic.get(topic);
            if (ch == null) {
                problems.add("docs/asyncapi.yaml has no channel with address " + topic + ": add one under channels:");
            } else if (!operated.contains(ch)) {
                problems.add("docs/asyncapi.yaml has no operation on channel " + ch + " (" + topic
                        + "): add one under operations: (action send, channel {$ref: '#/channels/" + ch + "'})");
            }
        }
        for (var entry : EventTypes.TOPIC_OF.entrySet()) {
            String type = entry.getKey();
            String topic = entry.getValue();
            String message = messageOfType.get(type);
            if (message == null) {
                problems.add("docs/asyncapi.yaml has no message named " + type + ": add one under components:"
                        + " messages: (like the others: cloudevent.json and " + topic + ".json#/$defs/" + type + ")");
                continue;
            }
            if (!lineOfMessage.get(message).contains("schemas/" + topic + ".json#/$defs/" + type + "'")) {
                problems.add("docs/asyncapi.yaml's message " + message + " (" + type + ") does not take its data from"
                        + " schemas/" + topic + ".json#/$defs/" + type);
            }
            String ch = channelOfTopic.get(topic);
            if (ch != null && !messagesOfChannel.get(ch).contains(message)) {
                problems.add("docs/asyncapi.yaml's channel " + ch + " (" + topic + ") does not list message "
                        + message + " (" + type + "): add it to the channel's messages:");
            }
        }
        assertEquals(List.of(), problems);
    }

    private static String section(String doc, String start, String end) {
        int from = doc.indexOf("\n" + start);
        int to = doc.indexOf("\n" + end, from + 1);
        if (from < 0 || to < 0) {
            throw new AssertionError("docs/asyncapi.yaml has no " + start + " section followed by " + end);
        }
        return doc.substring(from + 1, to);
    }

    /** docs/asyncapi.yaml of this repository, found from the module's directory up. */
    private static Path asyncApi() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path doc = dir.resolve("docs/asyncapi.yaml");
            if (Files.isRegularFile(doc) && Files.isDirectory(dir.resolve("libs/warden-events"))) {
                return doc;
            }
        }
        throw new AssertionError("docs/asyncapi.yaml not found above " + Path.of("").toAbsolutePath());
    }

    private static JsonNode schemaFile(String topic) {
        try (InputStream in = EventContractTest.class.getResourceAsStream("/schemas/" + topic + ".json")) {
            return in == null ? null : EventJson.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new AssertionError("schemas/" + topic + ".json does not parse", e);
        }
    }

    /** The public static String constants of a class, by field name. */
    private static Map<String, String> constants(Class<?> type) {
        Map<String, String> constants = new LinkedHashMap<>();
        for (Field field : type.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isPublic(modifiers) && Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)
                    && field.getType() == String.class) {
                try {
                    constants.put(field.getName(), (String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return constants;
    }
}
