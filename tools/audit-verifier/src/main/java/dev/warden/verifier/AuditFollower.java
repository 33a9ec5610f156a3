package dev.warden.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * An outside consumer of {@code warden.audit.v1}: follows every organization's chain as its entries arrive (they are
 * keyed by organization, so each chain comes in order) and recomputes each hash. A redelivered entry (delivery is at
 * least once) must be the entry already verified at its sequence: one that comes again with other content is reported,
 * so a consumer that keeps the copies it receives cannot keep a doctored one unnoticed. A gap, a reordering or a doctored
 * entry is reported. A fork (another entry at a sequence verified before, linked to the entry before it: a restore of
 * audit-service's database chains sequences again so, and marks the chain that lost entries) is reported once, and the
 * chain that goes on is followed from there.
 * <pre>java -cp audit-verifier.jar dev.warden.verifier.AuditFollower 127.0.0.1:19092 audit-reader-siem audit-reader.properties</pre>
 */
public final class AuditFollower {

    /** How many of an organization's latest hashes are kept to compare redelivered entries with. */
    static final int KEPT = 10_000;

    private final Map<String, Chain> chains = new HashMap<>();

    /** The latest hashes of an organization's chain, the last one at {@code head}. */
    private static final class Chain {
        private final ArrayDeque<String> hashes = new ArrayDeque<>();
        private long head;

        String hashAt(long sequence) {
            long oldest = head - hashes.size() + 1;
            if (sequence < oldest) {
                return null;
            }
            var it = hashes.descendingIterator();
            for (long s = head; s > sequence; s--) {
                it.next();
            }
            return it.next();
        }

        /** Forgets the hashes after {@code sequence}: a restore took the chain back there. */
        void truncate(long sequence) {
            while (head > sequence && !hashes.isEmpty()) {
                hashes.removeLast();
                head--;
            }
            head = Math.min(head, sequence);
        }

        void add(long sequence, String hash) {
            if (sequence != head + 1) {
                hashes.clear();
            }
            hashes.addLast(hash);
            if (hashes.size() > KEPT) {
                hashes.removeFirst();
            }
            head = sequence;
        }
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            System.out.println("usage: AuditFollower <bootstrap servers> [consumer group] [client.properties]");
            System.out.println("  client.properties: Kafka client settings such as security.protocol, sasl.mechanism,");
            System.out.println("  sasl.jaas.config or ssl.* for the principal the operator gave you (bin/warden up writes");
            System.out.println("  .warden/secrets/audit-reader.properties; its consumer groups start with audit-reader)");
            System.exit(2);
        }
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
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, args.length > 1 ? args[1] : "audit-reader");
        try {
            new AuditFollower().follow(config, System.out, () -> true);
        } catch (AuthenticationException | AuthorizationException refused) {
            System.exit(1); // said above, in a line of its own
        }
    }

    /**
     * Reads the topic with {@code config} (address, group, security) and checks every entry while {@code running}.
     * Says what it waits for, so a consumer that cannot connect or is not allowed is not silent: the Kafka client
     * retries a refused connection without end, and logs nothing here (no logging backend).
     */
    public void follow(Map<String, Object> config, PrintStream out, java.util.function.BooleanSupplier running) {
        Map<String, Object> settings = new HashMap<>(config);
        settings.putAll(Map.of(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
        out.println("connecting to " + settings.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) + " as group "
                + settings.get(ConsumerConfig.GROUP_ID_CONFIG) + " for " + Topics.AUDIT + " ...");
        boolean[] assigned = {false};
        long since = System.nanoTime();
        boolean hinted = false;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings)) {
            consumer.subscribe(List.of(Topics.AUDIT), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assigned[0] = true;
                    out.println("following " + partitions.size() + " partition(s) of " + Topics.AUDIT);
                }
            });
            while (running.getAsBoolean()) {
                try {
                    consumer.poll(Duration.ofSeconds(1)).forEach(r -> accept(r.value(), out));
                } catch (AuthenticationException | AuthorizationException e) {
                    out.println("refused by the broker: " + e.getMessage());
                    throw e;
                }
                if (!assigned[0] && !hinted && System.nanoTime() - since > Duration.ofSeconds(15).toNanos()) {
                    hinted = true;
                    out.println("still no partition after 15 s: is the broker at that address, and does the client "
                            + "configuration give a principal allowed to read " + Topics.AUDIT + " in this group?");
                }
            }
        }
    }

    /** audit-service's mark of a restore of its database (docs/deploy.md, "Restoring a backup"). */
    private static boolean isRestoreMark(AuditEntry entry) {
        return RESTORE_DETECTED.equals(entry.actionType()) && "audit-service".equals(entry.actor());
    }

    private static final String RESTORE_DETECTED = "audit.restore-detected";

    /** Checks one message of the topic; answers the problem it shows, if any, and prints what it saw. */
    public Optional<String> accept(String message, PrintStream out) {
        JsonNode event = EventJson.tree(message);
        if (!EventTypes.AUDIT_ENTRY_RECORDED.equals(event.path("type").asText())) {
            return Optional.empty();
        }
        AuditEntry entry = EventJson.MAPPER.convertValue(event.get("data"), AuditEntry.class);
        String org = String.valueOf(entry.orgId());
        Chain chain = chains.get(org);
        if (chain != null && entry.sequence() <= chain.head) {
            // At-least-once delivery: the entry verified at this sequence, or a problem
            String seen = chain.hashAt(entry.sequence());
            if (seen == null || (seen.equals(entry.hash()) && AuditChain.follows(entry.prevHash(), entry))) {
                return Optional.empty();
            }
            if (AuditChain.follows(entry.prevHash(), entry) && entry.prevHash() != null && entry.prevHash().equals(
                    entry.sequence() == 1 ? AuditChain.GENESIS : chain.hashAt(entry.sequence() - 1))) {
                // Another entry at a sequence verified before, linked to the one before it: the chain forked there (a
                // restore of audit-service's database chains sequences again; so would a rewrite). One alert, then
                // the chain that goes on is followed, rather than an alert for every sequence it chains again
                Optional<String> forked = Optional.of("org " + org + " forked at entry " + entry.sequence() + ": entries "
                        + entry.sequence() + " to " + chain.head + " verified before are not in the chain that goes on from "
                        + "entry " + (entry.sequence() - 1) + (isRestoreMark(entry)
                        ? " (audit.restore-detected: audit-service's database was restored)" : "")
                        + "; keep them as the record of what was. Following the chain that goes on");
                chain.truncate(entry.sequence() - 1);
                chain.add(entry.sequence(), entry.hash());
                out.println("ALERT " + forked.get());
                return forked;
            }
            Optional<String> problem = Optional.of("org " + org + " entry " + entry.sequence()
                    + " came again with other content than the entry verified at that sequence");
            out.println("ALERT " + problem.get());
            return problem;
        }
        Optional<String> problem = Optional.empty();
        if (!AuditChain.follows(entry.prevHash(), entry)) {
            problem = Optional.of("org " + org + " entry " + entry.sequence() + " does not match its hash");
        } else if (chain == null && entry.sequence() == 1 && !AuditChain.GENESIS.equals(entry.prevHash())) {
            problem = Optional.of("org " + org + " entry 1 does not start from the genesis hash");
        } else if (chain != null && (entry.sequence() != chain.head + 1 || !entry.prevHash().equals(chain.hashAt(chain.head)))) {
            problem = Optional.of("org " + org + " entry " + entry.sequence() + " does not follow entry " + chain.head);
        }
        if (chain == null && entry.sequence() > 1 && problem.isEmpty()) {
            // A run that starts mid-chain (a restart, a group that committed offsets before) has nothing to link to
            out.println("note org " + org + " is followed from entry " + entry.sequence() + ", not linked to the "
                    + "entries before it in this run (a signed checkpoint or a read from offset zero proves those)");
        }
        if (problem.isEmpty() && isRestoreMark(entry)) {
            out.println("note org " + org + " was restored (audit.restore-detected at entry " + entry.sequence() + "): the "
                    + "entries after it record again what the restore took out of the chain");
        }
        chains.computeIfAbsent(org, o -> new Chain()).add(entry.sequence(), entry.hash());
        out.println(problem.map(p -> "ALERT " + p).orElse("ok  org " + org + " #" + entry.sequence() + " "
                + entry.actionType() + " " + (entry.agentId() == null ? "" : entry.agentId())));
        return problem;
    }
}
