package dev.warden.audit.chain;

import dev.warden.events.audit.AuditEvents.AuditEntry;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** A page of the audit log in chain order; {@code total} counts what the filters select. */
public record AuditPage(List<AuditEntry> entries, long total,
                        @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
                        int limit, int offset,
                        @Schema(nullable = true, description = "null on the last page") String nextCursor) {
}
