package dev.warden.verifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.EventJson;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditVerifierTest {

    @TempDir
    Path dir;

    private final UUID org = UUID.randomUUID();
    private final KeyPair key = ed25519();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @Test
    void aGoodExportVerifiesWithTheTrustedKey() throws Exception {
        assertEquals(0, run(write(export(5, key))), output.toString());
        assertTrue(output.toString().contains("VERIFIED"));
    }

    @Test
    void aDoctoredEntryIsNamed() throws Exception {
        ObjectNode export = export(5, key);
        ((ObjectNode) export.withArray("entries").get(2)).put("actor", "mallory");

        assertEquals(1, run(write(export)));
        assertTrue(output.toString().contains("entry 3 does not follow"), output.toString());
    }

    @Test
    void aCheckpointSignedByAnotherKeyIsRefusedNamingTheKeyToFetch() throws Exception {
        KeyPair other = ed25519();
        ObjectNode export = export(5, other);

        assertEquals(1, run(write(export)));
        assertTrue(output.toString().contains("FAILED: checkpoint " + export.at("/checkpoint/id").asText()
                + " was signed by key " + keyIdOf(other) + ", and none of the given keys (" + keyIdOf(key)
                + ") is that key"), output.toString());
        assertTrue(output.toString().contains("GET /v1/audit/public-key?key_id=" + keyIdOf(other)), output.toString());
    }

    /**
     * After a rotation: an export signed by the rotated-out key verifies when that key is among the trusted ones (the
     * verifier took one --public-key, so the current key refused it and the old one could not be given beside it), and
     * each checkpoint picks its own key by its key_id.
     */
    @Test
    void afterARotationEachCheckpointVerifiesWithTheTrustedKeyItsKeyIdNames() throws Exception {
        KeyPair rotatedOut = ed25519();
        Path current = pem("current.pem", key);
        Path old = pem("old.pem", rotatedOut);

        Path olderExport = write(export(5, rotatedOut));
        assertEquals(0, AuditVerifier.run(new String[]{olderExport.toString(), "--public-key", current.toString(),
                "--public-key", old.toString()}, new PrintStream(output)), output.toString());
        assertTrue(output.toString().contains("by key " + keyIdOf(rotatedOut) + ", covers this chain"), output.toString());

        output.reset();
        Path newerExport = dir.resolve("newer.json");
        Files.writeString(newerExport, EventJson.write(export(5, key)));
        assertEquals(0, AuditVerifier.run(new String[]{newerExport.toString(), "--public-key", old.toString(),
                "--public-key", current.toString()}, new PrintStream(output)), output.toString());
        assertTrue(output.toString().contains("by key " + keyIdOf(key) + ", covers this chain"), output.toString());

        output.reset();
        assertEquals(1, AuditVerifier.run(new String[]{olderExport.toString(), "--public-key", current.toString()},
                new PrintStream(output)), output.toString());
        assertTrue(output.toString().contains("was signed by key " + keyIdOf(rotatedOut)
                + ", and none of the given keys (" + keyIdOf(key) + ") is that key"), output.toString());
    }

    @Test
    void aPublicKeyThatCannotBeReadIsBadUsage() throws Exception {
        Path export = write(export(5, key));
        assertEquals(2, AuditVerifier.run(new String[]{export.toString(), "--public-key", "bm90IGEga2V5"},
                new PrintStream(output)), output.toString());
        assertTrue(output.toString().contains("cannot read the public key"), output.toString());
        output.reset();
        assertEquals(2, AuditVerifier.run(new String[]{export.toString(), "--public-key"}, new PrintStream(output)));
        assertTrue(output.toString().startsWith("usage:"), output.toString());
    }

    @Test
    void entriesAfterTheCheckpointAreVouchedForByNothingEvenWhenTheyFollowFromIt() throws Exception {
        // Forged entries appended after the signed head, their hashes recomputed forward: the chain holds, no
        // signature covers them
        ObjectNode export = export(5, key);
        ArrayNode entries = export.withArray("entries");
        String prev = entries.get(4).get("hash").asText();
        for (int i = 6; i <= 7; i++) {
            AuditEntry forged = AuditChain.link(entry("mallory", i), i, prev);
            entries.add(EventJson.MAPPER.valueToTree(forged));
            prev = forged.hash();
        }
        export.put("to", 7);

        assertEquals(1, run(write(export)));
        assertTrue(output.toString().contains("entries 6..7 come after it"), output.toString());
        assertTrue(!output.toString().contains("\nVERIFIED"), output.toString());
    }

    @Test
    void anExportHoldingFewerEntriesThanItSaysIsRefused() throws Exception {
        ObjectNode export = export(5, key);
        export.put("to", 6);

        assertEquals(1, run(write(export)));
        assertTrue(output.toString().contains("says it holds entries 1..6, but holds 1..5"), output.toString());
    }

    @Test
    void withoutATrustedKeyNothingIsVerifiedNotEvenAGenuineExport() throws Exception {
        Path export = write(export(5, key));

        assertEquals(1, AuditVerifier.run(new String[]{export.toString()}, new PrintStream(output)), output.toString());
        assertTrue(output.toString().contains("NOT VERIFIED: the export is consistent with the key inside it ("
                + keyIdOf(key) + ")"), output.toString());
        assertTrue(!output.toString().contains("\nVERIFIED"), output.toString());
    }

    @Test
    void aForgerWhoSignsAgainWithTheirOwnKeyIsRefusedWithTheTrustedOne() throws Exception {
        // Doctored, chain recomputed, checkpoint signed by mallory's key and that key put in the export; the key id the
        // checkpoint names is the genuine one
        KeyPair mallory = ed25519();
        ObjectNode export = export(5, mallory);
        Checkpoint forged = EventJson.MAPPER.convertValue(export.get("checkpoint"), Checkpoint.class);
        Checkpoint named = new Checkpoint(forged.id(), org, forged.sequence(), forged.headHash(), forged.signedAt(),
                keyIdOf(key), "Ed25519", null);
        export.set("checkpoint", EventJson.MAPPER.valueToTree(new Checkpoint(named.id(), org, named.sequence(),
                named.headHash(), named.signedAt(), named.keyId(), "Ed25519", sign(mallory, named))));

        assertEquals(1, run(write(export)));
        assertTrue(output.toString().contains("does not verify with this public key"), output.toString());
        output.reset();
        assertEquals(1, AuditVerifier.run(new String[]{write(export).toString()}, new PrintStream(output)));
        assertTrue(output.toString().contains("names key " + keyIdOf(key) + ", but it verifies with key " + keyIdOf(mallory)),
                output.toString());
    }

    @Test
    void anExportWithoutCheckpointVouchesForNothing() throws Exception {
        ObjectNode export = export(3, key);
        export.putNull("checkpoint");

        assertEquals(1, run(write(export)));
    }

    private int run(Path export) throws Exception {
        return AuditVerifier.run(new String[]{export.toString(), "--public-key", pem("key.pem", key).toString()},
                new PrintStream(output));
    }

    private Path pem(String name, KeyPair pair) throws Exception {
        return Files.writeString(dir.resolve(name), "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
    }

    private Path write(ObjectNode export) throws Exception {
        Path file = dir.resolve("export.json");
        Files.writeString(file, EventJson.write(export));
        return file;
    }

    private ObjectNode export(int count, KeyPair signer) throws Exception {
        List<AuditEntry> entries = new ArrayList<>();
        String prev = AuditChain.GENESIS;
        for (int i = 1; i <= count; i++) {
            AuditEntry entry = AuditChain.link(entry("alice", i), i, prev);
            entries.add(entry);
            prev = entry.hash();
        }
        Checkpoint unsigned = new Checkpoint(UUID.randomUUID(), org, count, prev, AuditChain.micros(Instant.now()),
                keyIdOf(signer), "Ed25519", null);
        Checkpoint signed = new Checkpoint(unsigned.id(), org, count, prev, unsigned.signedAt(), unsigned.keyId(), "Ed25519",
                sign(signer, unsigned));
        ObjectNode export = EventJson.MAPPER.createObjectNode();
        export.put("org_id", org.toString()).put("from", 1).put("to", count).put("prev_hash", AuditChain.GENESIS);
        ArrayNode array = export.putArray("entries");
        entries.forEach(e -> array.add(EventJson.MAPPER.valueToTree(e)));
        export.set("checkpoint", EventJson.MAPPER.valueToTree(signed));
        export.put("public_key", Base64.getEncoder().encodeToString(signer.getPublic().getEncoded()));
        return export;
    }

    private static String keyIdOf(KeyPair pair) {
        return AuditVerifier.keyId(Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
    }

    private static String sign(KeyPair signer, Checkpoint unsigned) throws Exception {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initSign(signer.getPrivate());
        signature.update(AuditChain.signedBytes(unsigned));
        return Base64.getEncoder().encodeToString(signature.sign());
    }

    private AuditEntry entry(String actor, int version) {
        return new AuditEntry(org, 0, UUID.randomUUID(), "dev.warden.agent.deployed.v1", "agent", actor, "agent.deployed",
                null, "success", null, null, EventJson.tree("{\"version\":" + version + "}"), Instant.now(), Instant.now(),
                null, null);
    }

    private static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
