package dev.warden.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.CanonicalJson;
import dev.warden.events.EventJson;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Verifies an export of {@code GET /v1/audit/export} offline:
 * <pre>java -jar audit-verifier.jar export.json --public-key key.pem [--public-key rotated-out.pem ...]</pre>
 * Every entry must follow from its predecessor by the chain rule, the checkpoint must sign the hash of the entry at
 * its sequence, and its Ed25519 signature must verify with the public key you trust (fetched once from
 * {@code /v1/audit/public-key}, or given to you by the operator). {@code --public-key} may be given more than once, one
 * per key you trust (the current one and those rotated out): the checkpoint verifies with the one its {@code key_id}
 * names, and when none does the verifier says which key to fetch ({@code GET /v1/audit/public-key?key_id=...}, which
 * serves every key that ever signed). An entry after the checkpoint's sequence is vouched
 * for by nothing, so an export that holds one is not verified. The checkpoint's {@code key_id} must name the key it
 * verifies with. Without {@code --public-key} the export is checked against the key inside it, which shows only that it
 * is consistent (anyone who doctored it could sign it again and put their own key in): never "VERIFIED". Exit code 0: every entry verified; 1: not; 2: bad usage.
 */
public final class AuditVerifier {

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) {
        List<String> given = new ArrayList<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].equals("--public-key") || i + 1 >= args.length) {
                given = null;
                break;
            }
            given.add(args[i + 1]);
        }
        if (args.length < 1 || given == null) {
            out.println("usage: audit-verifier <export.json> [--public-key <PEM file, or base64 X.509>]... (once per key you trust)");
            return 2;
        }
        Map<String, String> trustedKeys = new LinkedHashMap<>();
        for (String value : given) {
            try {
                String key = readKey(value);
                KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(key)));
                trustedKeys.put(keyId(key), key);
            } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
                out.println("cannot read the public key " + value + ": " + e.getMessage());
                return 2;
            }
        }
        try {
            JsonNode export = EventJson.MAPPER.readTree(Path.of(args[0]).toFile());
            return verify(export, trustedKeys, out) ? 0 : 1;
        } catch (IOException | RuntimeException e) {
            out.println("cannot read the export: " + e.getMessage());
            return 2;
        }
    }

    /** With one trusted key, or none (null). */
    static boolean verify(JsonNode export, String trustedKey, PrintStream out) {
        return verify(export, trustedKey == null ? Map.of() : Map.of(keyId(trustedKey), trustedKey), out);
    }

    /** {@code trustedKeys}: base64 X.509 keys by their id; empty to check the export against the key inside it. */
    static boolean verify(JsonNode export, Map<String, String> trustedKeys, PrintStream out) {
        long from = export.path("from").asLong();
        List<AuditEntry> entries = new ArrayList<>();
        export.path("entries").forEach(e -> entries.add(EventJson.MAPPER.convertValue(e, AuditEntry.class)));
        OptionalLong broken = AuditChain.firstBroken(entries, export.path("prev_hash").asText(), from);
        if (broken.isPresent()) {
            out.println("FAILED: entry " + broken.getAsLong() + " does not follow from its predecessor");
            return false;
        }
        out.println("chain: entries " + from + ".." + (from + entries.size() - 1) + " follow from each other");
        if (export.path("to").asLong() != from + entries.size() - 1) {
            out.println("FAILED: the export says it holds entries " + from + ".." + export.path("to").asLong() + ", but holds "
                    + from + ".." + (from + entries.size() - 1));
            return false;
        }
        JsonNode checkpointJson = export.path("checkpoint");
        if (checkpointJson.isMissingNode() || checkpointJson.isNull()) {
            out.println("FAILED: the export holds no checkpoint, so nothing signed vouches for this range");
            return false;
        }
        Checkpoint checkpoint = EventJson.MAPPER.convertValue(checkpointJson, Checkpoint.class);
        AuditEntry signedEntry = entries.stream().filter(e -> e.sequence() == checkpoint.sequence()).findFirst().orElse(null);
        if (signedEntry == null || !signedEntry.hash().equals(checkpoint.headHash())) {
            out.println("FAILED: checkpoint " + checkpoint.id() + " signs a head hash that entry " + checkpoint.sequence()
                    + " of the export does not have");
            return false;
        }
        boolean trusted = !trustedKeys.isEmpty();
        String key = trusted ? trustedKeys.get(checkpoint.keyId()) : export.path("public_key").asText();
        if (key == null) {
            out.println("FAILED: checkpoint " + checkpoint.id() + " was signed by key " + checkpoint.keyId()
                    + ", and none of the given keys (" + String.join(", ", trustedKeys.keySet()) + ") is that key: after "
                    + "a key rotation, fetch the key that signed it with GET /v1/audit/public-key?key_id="
                    + checkpoint.keyId() + " (Warden keeps every key that ever signed) and give it with another --public-key");
            return false;
        }
        if (!signatureValid(key, checkpoint)) {
            out.println("FAILED: the signature of checkpoint " + checkpoint.id() + " does not verify with this public key");
            return false;
        }
        String keyId = keyId(key);
        if (!keyId.equals(checkpoint.keyId())) {
            out.println("FAILED: checkpoint " + checkpoint.id() + " names key " + checkpoint.keyId()
                    + ", but it verifies with key " + keyId);
            return false;
        }
        long last = from + entries.size() - 1;
        if (last > checkpoint.sequence()) {
            out.println("NOT VERIFIED: checkpoint " + checkpoint.id() + " at sequence " + checkpoint.sequence()
                    + " vouches for entries " + from + ".." + checkpoint.sequence() + " only; entries "
                    + (checkpoint.sequence() + 1) + ".." + last + " come after it and nothing signed vouches for them "
                    + "(sign the head, POST /v1/audit/checkpoints, then export up to its sequence)");
            return false;
        }
        if (!trusted) {
            // Whoever doctored the entries could sign them again with a key of their own and put it in the export
            out.println("NOT VERIFIED: the export is consistent with the key inside it (" + keyId + "), but that key "
                    + "vouches for nothing: give the key you trust with --public-key (GET /v1/audit/public-key)");
            return false;
        }
        out.println("VERIFIED: checkpoint " + checkpoint.id() + " at sequence " + checkpoint.sequence() + ", signed "
                + checkpoint.signedAt() + " by key " + keyId + ", covers this chain");
        return true;
    }

    /** As audit-service names its key: the first 16 hex digits of the SHA-256 of the key's X.509 form. */
    static String keyId(String publicKeyBase64) {
        return CanonicalJson.sha256Hex(Base64.getDecoder().decode(publicKeyBase64)).substring(0, 16);
    }

    private static boolean signatureValid(String publicKeyBase64, Checkpoint checkpoint) {
        try {
            var key = KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicKeyBase64)));
            byte[] signed = Base64.getDecoder().decode(checkpoint.signature());
            for (byte[] form : AuditChain.signedForms(checkpoint)) {
                Signature signature = Signature.getInstance("Ed25519");
                signature.initVerify(key);
                signature.update(form);
                if (signature.verify(signed)) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** A PEM file, or the base64 of the key itself. */
    private static String readKey(String value) throws IOException {
        Path file = Path.of(value);
        String text = Files.isRegularFile(file) ? Files.readString(file) : value;
        return text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    }
}
