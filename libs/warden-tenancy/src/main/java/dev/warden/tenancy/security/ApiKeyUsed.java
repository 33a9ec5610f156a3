package dev.warden.tenancy.security;

import java.time.Instant;
import java.util.UUID;

/** Fired (CDI) each time an API key authenticates a request; the service that owns keys records it as last used. */
public record ApiKeyUsed(UUID keyId, UUID orgId, Instant at) {
}
