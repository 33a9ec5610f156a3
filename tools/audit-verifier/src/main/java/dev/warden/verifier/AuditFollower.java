package dev.warden.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * An outside consumer of {@code warden.audit.v1}: follows every organization's chain as its entries arrive (they are
 * keyed by organization, so each chain comes in order) and recomputes each hash. Redelivered entries are recognised;
 * a gap, a reordering or a doctored entry is reported.
 * <pre>java -cp audit-verifier.jar dev.warden.verifier.AuditFollower 127.0.0.1:19092 my-siem</pre>
 */
public final class AuditFollower {

    private final Map<String, Head> heads = new HashMap<>();

    /** The last entry seen of an organization's chain. */
    private record Head(long sequence, String hash) {
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            System.out.println("usage: AuditFollower <bootstrap servers> [consumer group] [client.properties]");
            System.out.println("  client.properties: Kafka client settings such as security.protocol, sasl.mechanism,");
            System.out.println("  sasl.jaas.config or ssl.* for the principal the operator gave you");
            System.exit(2);
        }
        AuditFollower follower = new AuditFollower();
        Map<String, Object> config = new HashMap<>();
        if (args.length > 2) {
            Properties client = new Properties();
            try (var in = Files.newInputStream(Path.of(args[2]))) {
                client.load(in);
            } catch (IOException e) {
                System.out.println("cannot read " + args[2] + ": " + e.getMessage());
                System.exit(2);
            }
            client.forEach((k, v) -> config.put(String.valueOf(k), v));
        }
        config.putAll(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0],
                ConsumerConfig.GROUP_ID_CONFIG, args.length > 1 ? args[1] : "audit-follower",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(Topics.AUDIT));
            while (true) {
                consumer.poll(Duration.ofSeconds(1)).forEach(r -> follower.accept(r.value(), System.out));
            }
        }
    }

    /** Checks one message of the topic; answers the problem it shows, if any, and prints what it saw. */
    public Optional<String> accept(String message, PrintStream out) {
        JsonNode event = EventJson.tree(message);
        if (!EventTypes.AUDIT_ENTRY_RECORDED.equals(event.path("type").asText())) {
            return Optional.empty();
        }
        AuditEntry entry = EventJson.MAPPER.convertValue(event.get("data"), AuditEntry.class);
        String org = String.valueOf(entry.orgId());
        Head head = heads.get(org);
        Optional<String> problem = Optional.empty();
        if (head != null && entry.sequence() <= head.sequence()) {
            return Optional.empty(); // at-least-once delivery: already verified
        }
        if (!AuditChain.follows(entry.prevHash(), entry)) {
            problem = Optional.of("org " + org + " entry " + entry.sequence() + " does not match its hash");
        } else if (head == null && entry.sequence() == 1 && !AuditChain.GENESIS.equals(entry.prevHash())) {
            problem = Optional.of("org " + org + " entry 1 does not start from the genesis hash");
        } else if (head != null && (entry.sequence() != head.sequence() + 1 || !entry.prevHash().equals(head.hash()))) {
            problem = Optional.of("org " + org + " entry " + entry.sequence() + " does not follow entry " + head.sequence());
        }
        heads.put(org, new Head(entry.sequence(), entry.hash()));
        out.println(problem.map(p -> "ALERT " + p).orElse("ok  org " + org + " #" + entry.sequence() + " "
                + entry.actionType() + " " + (entry.agentId() == null ? "" : entry.agentId())));
        return problem;
    }
}
