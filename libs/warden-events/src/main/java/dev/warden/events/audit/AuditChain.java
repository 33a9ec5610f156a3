package dev.warden.events.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.CanonicalJson;
import dev.warden.events.EventJson;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.OptionalLong;

/**
 * The chain rule, shared by the service that appends and by anyone who verifies offline:
 * {@code hash = hex(SHA-256(utf8(prev_hash) || utf8(canonical JSON of the entry without prev_hash and hash)))}.
 * The first entry of an organization follows {@link #GENESIS}. Times are kept to the microsecond, as stored.
 */
public final class AuditChain {

    public static final String GENESIS = "0".repeat(64);

    private AuditChain() {
    }

    public static String hash(String prevHash, AuditEntry entry) {
        return hash(prevHash, canonical(entry));
    }

    /**
     * Whether {@code entry} follows from {@code prevHash}: its hash is that of its RFC 8785 form, or, for entries
     * written before Warden used RFC 8785, of its legacy form. Both forms are functions of the entry's content, so
     * accepting either binds the content just as well.
     */
    public static boolean follows(String prevHash, AuditEntry entry) {
        if (entry.hash() == null) {
            return false;
        }
        ObjectNode node = hashedFields(entry);
        return entry.hash().equals(hash(prevHash, CanonicalJson.canonical(node)))
                || entry.hash().equals(hash(prevHash, CanonicalJson.legacy(node)));
    }

    private static String hash(String prevHash, String canonicalEntry) {
        byte[] prev = prevHash.getBytes(StandardCharsets.UTF_8);
        byte[] body = canonicalEntry.getBytes(StandardCharsets.UTF_8);
        byte[] both = new byte[prev.length + body.length];
        System.arraycopy(prev, 0, both, 0, prev.length);
        System.arraycopy(body, 0, both, prev.length, body.length);
        return CanonicalJson.sha256Hex(both);
    }

    /** The entry as hashed: every field but {@code prev_hash} and {@code hash}, in RFC 8785 form. */
    public static String canonical(AuditEntry entry) {
        return CanonicalJson.canonical(hashedFields(entry));
    }

    private static ObjectNode hashedFields(AuditEntry entry) {
        ObjectNode node = EventJson.MAPPER.valueToTree(entry);
        node.remove("prev_hash");
        node.remove("hash");
        return node;
    }

    /** The entry with its place in the chain: its sequence, its predecessor's hash and its own. */
    public static AuditEntry link(AuditEntry entry, long sequence, String prevHash) {
        AuditEntry placed = new AuditEntry(entry.orgId(), sequence, entry.eventId(), entry.eventType(), entry.agentId(),
                entry.actor(), entry.actionType(), entry.connector(), entry.status(), entry.inputsHash(),
                entry.outputsHash(), entry.metadata(), micros(entry.occurredAt()), micros(entry.recordedAt()), prevHash, null);
        return new AuditEntry(placed.orgId(), placed.sequence(), placed.eventId(), placed.eventType(), placed.agentId(),
                placed.actor(), placed.actionType(), placed.connector(), placed.status(), placed.inputsHash(),
                placed.outputsHash(), placed.metadata(), placed.occurredAt(), placed.recordedAt(), prevHash,
                hash(prevHash, placed));
    }

    /**
     * The sequence of the first entry that does not follow from its predecessor, or nothing when the range is intact.
     * {@code prevHash} is the hash before the first entry ({@link #GENESIS} for sequence 1).
     */
    public static OptionalLong firstBroken(List<AuditEntry> entries, String prevHash, long firstSequence) {
        String expectedPrev = prevHash;
        long expectedSequence = firstSequence;
        for (AuditEntry e : entries) {
            if (e.sequence() != expectedSequence || !expectedPrev.equals(e.prevHash()) || !follows(expectedPrev, e)) {
                return OptionalLong.of(expectedSequence);
            }
            expectedPrev = e.hash();
            expectedSequence++;
        }
        return OptionalLong.empty();
    }

    /** What a checkpoint's signature covers: every field but the signature, in RFC 8785 form. */
    public static byte[] signedBytes(Checkpoint checkpoint) {
        return CanonicalJson.canonical(signedFields(checkpoint)).getBytes(StandardCharsets.UTF_8);
    }

    /** What a checkpoint's signature may cover: its RFC 8785 form, or the legacy form of checkpoints signed before. */
    public static List<byte[]> signedForms(Checkpoint checkpoint) {
        ObjectNode node = signedFields(checkpoint);
        return List.of(CanonicalJson.canonical(node).getBytes(StandardCharsets.UTF_8),
                CanonicalJson.legacy(node).getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode signedFields(Checkpoint checkpoint) {
        ObjectNode node = EventJson.MAPPER.valueToTree(checkpoint);
        node.remove("signature");
        return node;
    }

    public static Instant micros(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MICROS);
    }
}
