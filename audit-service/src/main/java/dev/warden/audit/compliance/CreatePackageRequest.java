package dev.warden.audit.compliance;

import java.time.Instant;

/** A package of one agent's evidence over {@code [from, to)}. */
public record CreatePackageRequest(String agentId, Instant from, Instant to) {
}
