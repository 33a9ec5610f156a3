package dev.warden.events.audit;

import dev.warden.events.CanonicalJson;
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

    @Test
    void entriesHashedInTheLegacyFormBeforeRfc8785StillFollowButNotWhenChanged() {
        AuditEntry placed = withHash(AuditChain.link(entryWithMetadata("{\"score\": 1E30, \"ratio\": 0.5}"), 1,
                AuditChain.GENESIS), null);
        var fields = (com.fasterxml.jackson.databind.node.ObjectNode) EventJson.MAPPER.valueToTree(placed);
        fields.remove("prev_hash");
        fields.remove("hash");
        String legacyHash = CanonicalJson.sha256Hex((AuditChain.GENESIS + CanonicalJson.legacy(fields))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertNotEquals(AuditChain.hash(AuditChain.GENESIS, placed), legacyHash, "the forms differ for this entry");

        assertEquals(OptionalLong.empty(), AuditChain.firstBroken(List.of(withHash(placed, legacyHash)), AuditChain.GENESIS, 1));
        AuditEntry changed = new AuditEntry(org, 1, placed.eventId(), placed.eventType(), placed.agentId(), "mallory",
                placed.actionType(), null, placed.status(), null, null, placed.metadata(), placed.occurredAt(),
                placed.recordedAt(), AuditChain.GENESIS, legacyHash);
        assertEquals(OptionalLong.of(1), AuditChain.firstBroken(List.of(changed), AuditChain.GENESIS, 1));
    }

    private static AuditEntry withHash(AuditEntry e, String hash) {
        return new AuditEntry(e.orgId(), e.sequence(), e.eventId(), e.eventType(), e.agentId(), e.actor(), e.actionType(),
                e.connector(), e.status(), e.inputsHash(), e.outputsHash(), e.metadata(), e.occurredAt(), e.recordedAt(),
                e.prevHash(), hash);
    }

    private AuditEntry entryWithMetadata(String metadata) {
        return new AuditEntry(org, 0, UUID.randomUUID(), "dev.warden.agent.action.v1", "agent-1", "alice",
                "issues:create", "jira", "success", null, null, EventJson.tree(metadata),
                Instant.parse("2026-11-23T05:00:00.123456Z"), Instant.parse("2026-11-23T05:00:01Z"), null, null);
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
