package dev.warden.audit.compliance;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** A package of one agent's evidence over {@code [from, to)}. */
public record CreatePackageRequest(@Schema(required = true, maxLength = 200) String agentId,
                                   @Schema(required = true) Instant from,
                                   @Schema(required = true, description = "After from, at most 400 days later") Instant to) {
}
