package dev.warden.audit.chain;

import dev.warden.events.audit.AuditEvents.AuditEntry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The audit topic's event ids: the same entry keeps its id; a sequence chained again with another hash does not. */
class AuditEntryEventTest {

    private static final UUID ORG = UUID.fromString("10000000-0000-4000-8000-000000000001");

    @Test
    void aRedeliveredEntryKeepsItsIdAndASequenceChainedAgainAfterARestoreGetsAnother() {
        AuditEntry entry = entry(24, "a".repeat(64));
        assertEquals(AuditTopicPublisher.event(entry, null).id(), AuditTopicPublisher.event(entry(24, "a".repeat(64)), null).id());
        // The same sequence in the chain as a restored database continues it: not the entry consumers already have
        assertNotEquals(AuditTopicPublisher.event(entry, null).id(), AuditTopicPublisher.event(entry(24, "b".repeat(64)), null).id());
        assertNotEquals(AuditTopicPublisher.event(entry, null).id(), AuditTopicPublisher.event(entry(25, "a".repeat(64)), null).id());
    }

    private static AuditEntry entry(long sequence, String hash) {
        Instant at = Instant.parse("2026-12-05T18:00:00Z");
        return new AuditEntry(ORG, sequence, UUID.nameUUIDFromBytes(hash.getBytes()), "dev.warden.agent.created.v1", null,
                "alice", "agent.created", null, "success", null, null, null, at, at, "0".repeat(64), hash);
    }
}
