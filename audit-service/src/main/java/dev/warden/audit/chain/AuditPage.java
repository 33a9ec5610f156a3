package dev.warden.audit.chain;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.warden.events.audit.AuditEvents.AuditEntry;

import java.util.List;

/** A page of the audit log in chain order; {@code total} counts what the filters select. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AuditPage(List<AuditEntry> entries, long total, boolean totalExact, int limit, int offset, String nextCursor) {
}
