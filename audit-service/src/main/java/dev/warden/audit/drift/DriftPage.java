package dev.warden.audit.drift;

import dev.warden.events.audit.AuditEvents.DriftEvent;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** A page of drift events, oldest first. */
public record DriftPage(List<DriftEvent> driftEvents, long total,
                        @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
                        @Schema(nullable = true, description = "null on the last page") String nextCursor) {
}
