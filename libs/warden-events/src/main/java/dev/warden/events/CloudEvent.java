package dev.warden.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.UUID;

/**
 * A CloudEvents 1.0 event in structured JSON mode. {@code id} is the idempotency key, {@code subject} the agent
 * (or other entity) the event is about, {@code orgid} the owning organization.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CloudEvent(
        String specversion,
        UUID id,
        String source,
        String type,
        String subject,
        Instant time,
        String datacontenttype,
        UUID orgid,
        JsonNode data) {

    public static final String SPEC_VERSION = "1.0";

    public static CloudEvent of(String source, String type, String subject, UUID orgId, Object data) {
        return new CloudEvent(SPEC_VERSION, UUID.randomUUID(), source, type, subject, Instant.now(),
                "application/json", orgId, EventJson.MAPPER.valueToTree(data));
    }

    public <T> T dataAs(Class<T> type) {
        try {
            return EventJson.MAPPER.treeToValue(data, type);
        } catch (Exception e) {
            throw new IllegalArgumentException("event " + id + " has no valid " + type.getSimpleName() + " data", e);
        }
    }
}
