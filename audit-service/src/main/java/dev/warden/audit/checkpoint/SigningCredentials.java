package dev.warden.audit.checkpoint;

import dev.warden.tenancy.RequiredCredentials;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/** audit-service signs checkpoints with its own key: without one it does not start (outside dev and test). */
@ApplicationScoped
public class SigningCredentials implements RequiredCredentials {

    private final SigningKey.Config config;

    public SigningCredentials(SigningKey.Config config) {
        this.config = config;
    }

    @Override
    public List<String> missing() {
        List<String> missing = new ArrayList<>();
        if (config.signingKey().filter(k -> !k.isBlank()).isEmpty()) {
            missing.add("WARDEN_AUDIT_SIGNING_KEY (the Ed25519 private key that signs checkpoints, PKCS#8, base64)");
        }
        if (config.signingPublicKey().filter(k -> !k.isBlank()).isEmpty()) {
            missing.add("WARDEN_AUDIT_SIGNING_PUBLIC_KEY");
        }
        return missing;
    }
}
