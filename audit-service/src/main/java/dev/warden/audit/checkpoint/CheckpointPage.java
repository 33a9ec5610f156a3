package dev.warden.audit.checkpoint;

import dev.warden.events.audit.AuditEvents.Checkpoint;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** Signed checkpoints, newest first. */
public record CheckpointPage(List<Checkpoint> checkpoints, long total,
                             @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
                             @Schema(nullable = true, description = "null on the last page") String nextCursor) {
}
