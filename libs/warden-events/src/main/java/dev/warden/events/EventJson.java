package dev.warden.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.UncheckedIOException;

/** The JSON mapping of events: ISO timestamps, and tolerant of fields added by a newer producer. */
public final class EventJson {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * The most an event may be, in bytes of its JSON (UTF-8). Kafka's producer sends at most {@code max.request.size}
     * and the broker takes at most {@code message.max.bytes}, both about 1 MiB by default, and refuses a record over
     * them for good: the rest of a record (its key and headers) and the batch around it fit in what is left. An event
     * over it never enters an outbox, where it would stop its relay at that row for every organization.
     */
    public static final int MOST_EVENT_BYTES = 1_000_000;

    private EventJson() {
    }

    /** {@code text}'s length in UTF-8, counted without encoding it. */
    public static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses an event; a message that is not a CloudEvent of ours is refused with the reason. */
    public static CloudEvent read(String json) {
        try {
            CloudEvent event = MAPPER.readValue(json, CloudEvent.class);
            if (!CloudEvent.SPEC_VERSION.equals(event.specversion()) || event.id() == null || event.type() == null
                    || event.orgid() == null) {
                throw new IllegalArgumentException("not a Warden CloudEvent: specversion, id, type and orgid are required");
            }
            if (event.data() == null || !event.data().isObject()) {
                // Every Warden event's schema requires it: refused here, as the record is read, rather than met by a
                // consumer's code as a null
                throw new IllegalArgumentException("not a Warden CloudEvent: its data must be an object");
            }
            return event;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
