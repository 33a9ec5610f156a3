package dev.warden.audit.checkpoint;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.warden.events.audit.AuditEvents.Checkpoint;

import java.util.List;

/** Signed checkpoints, newest first. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CheckpointPage(List<Checkpoint> checkpoints, long total, boolean totalExact, String nextCursor) {
}
