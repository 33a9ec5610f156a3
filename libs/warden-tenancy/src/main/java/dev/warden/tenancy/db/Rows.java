package dev.warden.tenancy.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.warden.events.EventJson;
import io.vertx.mutiny.sqlclient.Row;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Reading and binding columns the same way in every repository. JSON columns are selected as {@code col::text} and
 * bound as {@code $n::text::jsonb}: the client would otherwise send a Java string as a JSON string.
 *
 * <p>Each reader takes the column by name or by position. Vert.x finds a name by comparing it with the row's column
 * names one by one, so a mapper of a wide row (an agent's 35 columns, read a hundred times per page) reads by position,
 * in the order of its repository's column list (docs/benchmarks.md, section 3).
 */
public final class Rows {

    /** One prepared reader per type: a list of a hundred agents reads six JSON columns from each. */
    private static final ClassValue<ObjectReader> READERS = new ClassValue<>() {
        @Override
        protected ObjectReader computeValue(Class<?> type) {
            return EventJson.MAPPER.readerFor(type);
        }
    };

    private Rows() {
    }

    public static <T> T first(RowSet<Row> rows, Function<Row, T> map) {
        var it = rows.iterator();
        return it.hasNext() ? map.apply(it.next()) : null;
    }

    public static <T> List<T> all(RowSet<Row> rows, Function<Row, T> map) {
        List<T> out = new ArrayList<>(rows.rowCount());
        rows.forEach(row -> out.add(map.apply(row)));
        return out;
    }

    public static Instant instant(Row row, String column) {
        return instant(row, position(row, column));
    }

    public static Instant instant(Row row, int position) {
        OffsetDateTime value = row.getOffsetDateTime(position);
        return value == null ? null : value.toInstant();
    }

    /**
     * Now, to the microsecond: PostgreSQL keeps microseconds, so a time a service returns equals the time it reads back
     * (and a cursor or an {@code updated_since} made from one finds it again).
     */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Takes the lock named {@code name} until the transaction ends (a PostgreSQL advisory lock): transactions that take
     * it one after another, on any replica, are ordered. Count what the lock guards in a statement after this one: a
     * statement sees what was committed when it began, so one that waited for the lock would miss what it waited for.
     */
    public static Uni<Void> lockUntilCommit(SqlConnection conn, String name) {
        return conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").execute(Tuple.of(name))
                .replaceWithVoid();
    }

    public static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    public static JsonNode json(Row row, String column) {
        return json(row, position(row, column));
    }

    public static JsonNode json(Row row, int position) {
        String text = row.getString(position);
        return text == null ? null : EventJson.tree(text);
    }

    public static <T> T json(Row row, String column, Class<T> type) {
        return json(row, position(row, column), type);
    }

    public static <T> T json(Row row, int position, Class<T> type) {
        String text = row.getString(position);
        try {
            return text == null ? null : READERS.get(type).readValue(text);
        } catch (Exception e) {
            throw new IllegalStateException("column " + row.getColumnName(position) + " holds unreadable JSON: "
                    + e.getMessage(), e);
        }
    }

    /** A column's position by its name, failing as Vert.x' own readers by name do when the row has no such column. */
    private static int position(Row row, String column) {
        int position = row.getColumnIndex(column);
        if (position < 0) {
            throw new NoSuchElementException("Column " + column + " does not exist");
        }
        return position;
    }

    /** A value to bind as {@code $n::text::jsonb}. */
    public static String jsonText(Object value) {
        return value == null ? null : EventJson.write(value);
    }
}
