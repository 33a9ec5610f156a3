package dev.warden.audit.drift;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.warden.events.audit.AuditEvents.DriftEvent;

import java.util.List;

/** A page of drift events, oldest first. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DriftPage(List<DriftEvent> driftEvents, long total, boolean totalExact, String nextCursor) {
}
