package dev.warden.agent.repository;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventJson;
import io.vertx.mutiny.sqlclient.Row;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

/** Reading columns: JSON columns are selected as text and parsed here. */
final class Rows {

    private Rows() {
    }

    static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    static JsonNode json(Row row, String column) {
        String text = row.getString(column);
        return text == null ? null : EventJson.tree(text);
    }

    static <T> T json(Row row, String column, Class<T> type) {
        String text = row.getString(column);
        try {
            return text == null ? null : EventJson.MAPPER.readValue(text, type);
        } catch (Exception e) {
            throw new IllegalStateException("column " + column + " holds unreadable JSON: " + e.getMessage(), e);
        }
    }

    static String text(Object value) {
        return value == null ? null : EventJson.write(value);
    }

    static UUID uuid(Row row, String column) {
        return row.getUUID(column);
    }

    static OffsetDateTime offset(Instant instant) {
        return instant == null ? null : instant.atOffset(java.time.ZoneOffset.UTC);
    }
}
