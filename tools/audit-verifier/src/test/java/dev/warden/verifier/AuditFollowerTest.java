package dev.warden.verifier;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.testing.EventTap;
import dev.warden.testing.LocalKafka;
import dev.warden.testing.WardenInfra;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The follower reads the audit topic from a real broker, as an outside consumer would. */
class AuditFollowerTest {

    private static LocalKafka kafka;
    private final UUID org = UUID.randomUUID();

    @BeforeAll
    static void broker() {
        kafka = LocalKafka.start(WardenInfra.freshDir("follower-kafka"), 0);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void anIntactChainPassesAndADoctoredEntryIsReported() {
        List<AuditEntry> chain = chain(5);
        AuditEntry third = chain.get(2);
        chain.set(2, new AuditEntry(third.orgId(), third.sequence(), third.eventId(), third.eventType(), third.agentId(),
                "mallory", third.actionType(), third.connector(), third.status(), third.inputsHash(), third.outputsHash(),
                third.metadata(), third.occurredAt(), third.recordedAt(), third.prevHash(), third.hash()));
        publish(chain);
        publish(chain.subList(0, 2));

        List<Optional<String>> problems = follow(7);

        assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.of("org " + org + " entry 3 does not match its hash"),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), problems);
    }

    @Test
    void aGapIsReported() {
        List<AuditEntry> chain = chain(4);
        chain.remove(1);
        publish(chain);

        assertEquals(Optional.of("org " + org + " entry 3 does not follow entry 1"), follow(3).get(1));
    }

    @Test
    void aRedeliveredEntryWithOtherContentIsReportedEvenWithItsHashRecomputed() {
        // At least once: the second copy of entry 3 has another actor, its hash recomputed from the real prev_hash,
        // so it is consistent in itself; only the hash verified at that sequence tells it from the first copy
        List<AuditEntry> chain = chain(4);
        AuditEntry third = chain.get(2);
        AuditEntry doctored = AuditChain.link(new AuditEntry(third.orgId(), 0, third.eventId(), third.eventType(),
                third.agentId(), "mallory", third.actionType(), third.connector(), third.status(), third.inputsHash(),
                third.outputsHash(), third.metadata(), third.occurredAt(), third.recordedAt(), null, null), 3, third.prevHash());
        AuditFollower follower = new AuditFollower();
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        List<Optional<String>> problems = new ArrayList<>();
        for (AuditEntry e : List.of(chain.get(0), chain.get(1), third, chain.get(3), chain.get(1), third, doctored)) {
            problems.add(follower.accept(EventJson.write(CloudEvent.of("/warden/audit-service", EventTypes.AUDIT_ENTRY_RECORDED,
                    e.agentId(), org, e)), out));
        }

        assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of("org " + org + " forked at entry 3: entries 3 to 4 verified before are not in the "
                        + "chain that goes on from entry 2; keep them as the record of what was. Following the chain that goes on")),
                problems);
    }

    /**
     * After a restore of audit-service's database, the chain goes on from the restored head with its mark, and the
     * sequences after it come again with other hashes: one alert at the mark, then the restored chain is followed. A
     * mark that does not link to the hash verified before it is a redelivery with other content, as any entry.
     */
    @Test
    void aRestoreIsReportedOnceAtItsMarkAndTheRestoredChainFollowed() {
        List<AuditEntry> chain = chain(4);
        AuditEntry mark = restoreMark(3, chain.get(1).hash());
        AuditEntry again = AuditChain.link(new AuditEntry(org, 0, chain.get(2).eventId(), chain.get(2).eventType(), "agent-1",
                "alice", "agent.deployed", null, "success", null, null, EventJson.tree("{}"), Instant.now(), Instant.now(),
                null, null), 4, mark.hash());
        AuditEntry forged = AuditChain.link(new AuditEntry(org, 0, UUID.randomUUID(), mark.eventType(), null, "audit-service",
                "audit.restore-detected", null, "success", null, null, EventJson.tree("{}"), Instant.now(), Instant.now(),
                null, null), 2, chain.get(1).hash());
        List<Optional<String>> problems = follow(new ByteArrayOutputStream(),
                List.of(chain.get(0), chain.get(1), chain.get(2), chain.get(3), mark, again, forged));

        assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("org " + org + " forked at entry 3: entries 3 to 4 verified before are not in the chain that goes "
                        + "on from entry 2 (audit.restore-detected: audit-service's database was restored); keep them as the "
                        + "record of what was. Following the chain that goes on"),
                Optional.empty(),
                Optional.of("org " + org + " entry 2 came again with other content than the entry verified at that sequence")),
                problems);
    }

    /**
     * After a restore, a new entry can be chained after the restored head before the mark (another partition's event
     * came first): the fork is reported once, there, and the mark and what follows are followed without more alerts.
     */
    @Test
    void aForkBeforeTheRestoresMarkIsReportedOnceThere() {
        List<AuditEntry> chain = chain(4);
        AuditEntry newer = AuditChain.link(new AuditEntry(org, 0, UUID.randomUUID(), EventTypes.AGENT_DEPLOYED, "agent-2",
                "bob", "agent.deployed", null, "success", null, null, EventJson.tree("{}"), Instant.now(), Instant.now(),
                null, null), 3, chain.get(1).hash());
        AuditEntry mark = restoreMark(4, newer.hash());
        AuditEntry again = AuditChain.link(new AuditEntry(org, 0, chain.get(2).eventId(), chain.get(2).eventType(), "agent-1",
                "alice", "agent.deployed", null, "success", null, null, EventJson.tree("{}"), Instant.now(), Instant.now(),
                null, null), 5, mark.hash());
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Optional<String>> problems = follow(printed,
                List.of(chain.get(0), chain.get(1), chain.get(2), chain.get(3), newer, mark, again));

        assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("org " + org + " forked at entry 3: entries 3 to 4 verified before are not in the chain that goes "
                        + "on from entry 2; keep them as the record of what was. Following the chain that goes on"),
                Optional.empty(), Optional.empty()), problems);
        assertTrue(printed.toString().contains("note org " + org + " was restored (audit.restore-detected at entry 4)"),
                printed.toString());
    }

    /** audit-service's mark of a restore, at {@code sequence} after {@code prevHash}. */
    private AuditEntry restoreMark(int sequence, String prevHash) {
        return AuditChain.link(new AuditEntry(org, 0, UUID.randomUUID(), "dev.warden.audit.restore-detected.v1", null,
                "audit-service", "audit.restore-detected", null, "success", null, null, EventJson.tree("{\"partitions\": []}"),
                Instant.now(), Instant.now(), null, null), sequence, prevHash);
    }

    /** What a new follower answers for each of {@code entries}, as they come on the topic; what it prints, to {@code printed}. */
    private List<Optional<String>> follow(ByteArrayOutputStream printed, List<AuditEntry> entries) {
        AuditFollower follower = new AuditFollower();
        PrintStream out = new PrintStream(printed, true);
        List<Optional<String>> problems = new ArrayList<>();
        for (AuditEntry e : entries) {
            problems.add(follower.accept(EventJson.write(CloudEvent.of("/warden/audit-service", EventTypes.AUDIT_ENTRY_RECORDED,
                    e.agentId(), org, e)), out));
        }
        return problems;
    }

    /** A run that starts mid-chain (a restart without the hashes verified before) says it links nothing before it. */
    @Test
    void aChainFollowedFromItsMiddleIsSaidToBeUnlinkedThere() {
        List<AuditEntry> chain = chain(4);
        AuditFollower follower = new AuditFollower();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true);
        List<Optional<String>> problems = new ArrayList<>();
        for (AuditEntry e : chain.subList(2, 4)) {
            problems.add(follower.accept(EventJson.write(CloudEvent.of("/warden/audit-service", EventTypes.AUDIT_ENTRY_RECORDED,
                    e.agentId(), org, e)), out));
        }

        assertEquals(List.of(Optional.empty(), Optional.empty()), problems);
        String lines = printed.toString();
        assertTrue(lines.contains("note org " + org + " is followed from entry 3, not linked"), lines);
        assertEquals(1, lines.split("note ", -1).length - 1, lines);
    }

    /** As docs/audit-topic-consumer.md says: the audit-reader principal, its own consumer group, the topic from the start. */
    @Test
    void theFollowerReadsTheTopicAsTheAuditReaderPrincipal() {
        publish(chain(3));
        Map<String, Object> config = new java.util.HashMap<>(kafka.grant(KafkaAccess.AUDIT_READER));
        config.put("bootstrap.servers", kafka.bootstrapServers());
        config.put("group.id", "audit-reader-" + org);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        new AuditFollower().follow(config, out, () -> !printed.toString().contains("org " + org + " #3")
                && System.nanoTime() < deadline);

        String lines = printed.toString();
        assertTrue(lines.contains("following "), lines);
        assertTrue(lines.contains("ok  org " + org + " #1") && lines.contains("ok  org " + org + " #3"), lines);
    }

    private List<Optional<String>> follow(int count) {
        AuditFollower follower = new AuditFollower();
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        try (EventTap tap = new EventTap(kafka.bootstrapServers(), Topics.AUDIT)) {
            return tap.await(r -> r.key().equals(org.toString()), count, Duration.ofSeconds(30)).stream()
                    .map(r -> follower.accept(r.value(), out)).toList();
        }
    }

    private void publish(List<AuditEntry> entries) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(LocalKafka.clientConfig(kafka.bootstrapServers(),
                Map.of("key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName())))) {
            for (AuditEntry e : entries) {
                producer.send(new ProducerRecord<>(Topics.AUDIT, org.toString(), EventJson.write(
                        CloudEvent.of("/warden/audit-service", EventTypes.AUDIT_ENTRY_RECORDED, e.agentId(), org, e))));
            }
        }
    }

    private List<AuditEntry> chain(int n) {
        List<AuditEntry> out = new ArrayList<>();
        String prev = AuditChain.GENESIS;
        for (int i = 1; i <= n; i++) {
            AuditEntry e = AuditChain.link(new AuditEntry(org, 0, UUID.randomUUID(), EventTypes.AGENT_DEPLOYED, "agent-1",
                    "alice", "agent.deployed", null, "success", null, null, EventJson.tree("{}"), Instant.now(),
                    Instant.now(), null, null), i, prev);
            out.add(e);
            prev = e.hash();
        }
        return out;
    }
}
