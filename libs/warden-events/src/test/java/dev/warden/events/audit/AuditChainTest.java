package dev.warden.events.audit;

import dev.warden.events.EventJson;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class AuditChainTest {

    private final UUID org = UUID.randomUUID();

    @Test
    void anIntactChainVerifies() {
        assertEquals(OptionalLong.empty(), AuditChain.firstBroken(chain(5), AuditChain.GENESIS, 1));
    }

    @Test
    void aChangedFieldIsPinpointed() {
        List<AuditEntry> entries = chain(5);
        AuditEntry third = entries.get(2);
        entries.set(2, new AuditEntry(third.orgId(), third.sequence(), third.eventId(), third.eventType(), third.agentId(),
                "mallory", third.actionType(), third.connector(), third.status(), third.inputsHash(), third.outputsHash(),
                third.metadata(), third.occurredAt(), third.recordedAt(), third.prevHash(), third.hash()));

        assertEquals(OptionalLong.of(3), AuditChain.firstBroken(entries, AuditChain.GENESIS, 1));
    }

    @Test
    void aRemovedEntryIsPinpointed() {
        List<AuditEntry> entries = chain(5);
        entries.remove(1);

        assertEquals(OptionalLong.of(2), AuditChain.firstBroken(entries, AuditChain.GENESIS, 1));
    }

    @Test
    void theHashDependsOnThePredecessor() {
        AuditEntry entry = entry(1);
        assertNotEquals(AuditChain.link(entry, 1, AuditChain.GENESIS).hash(), AuditChain.link(entry, 1, "1".repeat(64)).hash());
    }

    private List<AuditEntry> chain(int n) {
        List<AuditEntry> out = new ArrayList<>();
        String prev = AuditChain.GENESIS;
        for (int i = 1; i <= n; i++) {
            AuditEntry linked = AuditChain.link(entry(i), i, prev);
            out.add(linked);
            prev = linked.hash();
        }
        return out;
    }

    private AuditEntry entry(int i) {
        return new AuditEntry(org, 0, UUID.randomUUID(), "dev.warden.agent.deployed.v1", "agent-" + i, "alice",
                "agent.deployed", null, "success", null, null, EventJson.tree("{\"version\": " + i + "}"),
                Instant.parse("2026-11-23T05:00:00.123456789Z"), Instant.now(), null, null);
    }
}
