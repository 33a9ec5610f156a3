package dev.warden.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.UUID;

/**
 * A CloudEvents 1.0 event in structured JSON mode. {@code id} is the idempotency key, {@code subject} the agent
 * (or other entity) the event is about, {@code orgid} the owning organization. {@code traceparent} (optional) is the
 * CloudEvents distributed-tracing extension: the W3C trace context of the request that produced the event, so a
 * consumer's work continues that trace.
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
        JsonNode data,
        String traceparent) {

    public static final String SPEC_VERSION = "1.0";

    @JsonCreator
    public CloudEvent {
    }

    /** An event without trace context (kept so callers written before {@code traceparent} still compile). */
    public CloudEvent(String specversion, UUID id, String source, String type, String subject, Instant time,
                      String datacontenttype, UUID orgid, JsonNode data) {
        this(specversion, id, source, type, subject, time, datacontenttype, orgid, data, null);
    }

    public static CloudEvent of(String source, String type, String subject, UUID orgId, Object data) {
        return of(source, type, subject, orgId, data, null);
    }

    /**
     * A new event (fresh id, now, to the microsecond: the precision of every time Warden stores, so that an event's
     * {@code time} is written as its stored times are) carrying {@code traceparent}, which may be null.
     */
    public static CloudEvent of(String source, String type, String subject, UUID orgId, Object data, String traceparent) {
        return new CloudEvent(SPEC_VERSION, UUID.randomUUID(), source, type, subject,
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS),
                "application/json", orgId, EventJson.MAPPER.valueToTree(data), traceparent);
    }

    public <T> T dataAs(Class<T> type) {
        try {
            return EventJson.MAPPER.treeToValue(data, type);
        } catch (Exception e) {
            throw new IllegalArgumentException("event " + id + " has no valid " + type.getSimpleName() + " data", e);
        }
    }
}
