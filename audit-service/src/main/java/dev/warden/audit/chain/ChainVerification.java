package dev.warden.audit.chain;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.UUID;

/** A verification of an organization's whole chain, as clients see it: its progress, then its verdict. */
public record ChainVerification(
        UUID id,
        @Schema(enumeration = {"running", "valid", "invalid", "failed"}) String status,
        @Schema(description = "Percent of the entries up to `head` checked so far") int progress,
        @Schema(description = "The chain's head when the verification started: it checks entries 1 to head") long head,
        long entriesChecked,
        @Schema(nullable = true) Long firstInvalidSequence,
        @Schema(nullable = true, description = "Why the chain is invalid, or why the verification failed") String reason,
        @Schema(nullable = true) String requestedBy,
        Instant requestedAt,
        @Schema(nullable = true) Instant completedAt) {
}
