package dev.warden.tenancy.db;

import dev.warden.api.PageRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.utc;

/**
 * The one way a repository reads a list: filters, {@code updated_since}, a keyset after the cursor, one page, and a
 * total whose cost is bounded. A page costs the same on the first and the millionth row (the keyset follows an
 * index; there is no OFFSET scan), and the total is counted up to {@link #TOTAL_BOUND} rows: beyond it the page says
 * {@code total_exact: false} and {@code total} is that bound, a lower bound. The page and the count go to PostgreSQL
 * together, pipelined on the transaction's connection: one round trip, not two.
 *
 * <p>Conditions are SQL with {@code ?} for each value (never user text in the SQL itself).
 */
public final class ListQuery {

    /** Rows counted at most for a total; a list longer than this reports {@code total_exact: false}. */
    public static final int TOTAL_BOUND = 10_000;
    /** Bytes of free-form content a page of a {@link #sizedBy sized} list holds at most (beyond its first row). */
    public static final long ANSWER_BUDGET = 8L * 1024 * 1024;
    private static final String RUNNING = "warden_running_size";

    private final String columns;
    private final String from;
    private final List<String> filters = new ArrayList<>();
    private final List<Object> filterArgs = new ArrayList<>();
    private String keyset;
    private final List<Object> keysetArgs = new ArrayList<>();
    private String order = "";
    private long offset;
    private boolean exactTotal;
    private String totalSql;
    private final List<Object> totalArgs = new ArrayList<>();
    private String size;
    private long mostPerRow;

    private ListQuery(String columns, String from) {
        this.columns = columns;
        this.from = from;
    }

    /** {@code SELECT columns FROM from}: {@code from} may carry an alias ({@code policies p}). */
    public static ListQuery select(String columns, String from) {
        return new ListQuery(columns, from);
    }

    /** Adds {@code condition} (with a {@code ?} per value), always. */
    public ListQuery where(String condition, Object... values) {
        filters.add(condition);
        filterArgs.addAll(List.of(values));
        return this;
    }

    /** Adds {@code column = value} unless {@code value} is null (no filter). */
    public ListQuery whereEquals(String column, Object value) {
        return value == null ? this : where(column + " = ?", value);
    }

    /** Adds {@code condition} with its one value unless the value is null. */
    public ListQuery whereIfPresent(String condition, Object value) {
        return value == null ? this : where(condition, value instanceof Instant i ? utc(i) : value);
    }

    /**
     * The LIKE / ILIKE pattern of "contains {@code text}", its wildcards and the escape taken literally (PostgreSQL's
     * default escape is the backslash), for a search parameter such as {@code q}.
     */
    public static String containing(String text) {
        return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }

    /** {@code updated_since}: rows whose {@code column} is at or after it. */
    public ListQuery updatedSince(String column, Instant since) {
        return whereIfPresent(column + " >= ?", since);
    }

    /** Orders by {@code (timeColumn, idColumn)} ascending and starts after the cursor's position. */
    public ListQuery byTimeAfter(String timeColumn, String idColumn, PageRequest.Cursor after) {
        order = " ORDER BY " + timeColumn + ", " + idColumn;
        if (after != null) {
            keyset = "(" + timeColumn + ", " + idColumn + ") > (?, ?)";
            keysetArgs.add(utc(after.instant()));
            keysetArgs.add(after.id());
        }
        return this;
    }

    /**
     * Orders by a unique number ({@code sequence}, {@code version}) and starts after {@code after} (null: first); give
     * {@code after} as the column's Java type ({@code Integer} for an {@code integer} column).
     */
    public ListQuery byNumberAfter(String column, Number after, boolean descending) {
        order = " ORDER BY " + column + (descending ? " DESC" : "");
        if (after != null) {
            keyset = column + (descending ? " < ?" : " > ?");
            keysetArgs.add(after);
        }
        return this;
    }

    /**
     * Any other order: {@code order} is the ORDER BY list, and {@code afterCondition} (with a {@code ?} per value) starts
     * after the cursor, or is null for the first page.
     */
    public ListQuery orderBy(String order, String afterCondition, Object... values) {
        this.order = " ORDER BY " + order;
        if (afterCondition != null) {
            keyset = afterCondition;
            keysetArgs.addAll(List.of(values));
        }
        return this;
    }

    /**
     * The total from a statement that knows it without counting (a counter kept as rows change): {@code sql} answers
     * one number, with a {@code ?} per value. Only for a filter that counter covers exactly.
     */
    public ListQuery totalFrom(String sql, Object... values) {
        totalSql = sql;
        totalArgs.addAll(Arrays.asList(values)); // a value may be null: an optional filter
        return this;
    }

    /**
     * Ends a page before its rows' {@code sizeExpression} (SQL measuring a row's free-form content in bytes, such as
     * {@code octet_length(config::text)}) sum past {@link #ANSWER_BUDGET}, with a cursor to the rest, as a page ends at
     * its {@code limit}; a page always holds its first row. For lists whose rows carry what callers wrote (a
     * configuration, metadata, policy rules, up to a request body each): a user trial's 688 agent versions of 60 KB
     * each made one 44.6 MB answer that took 2.3 s and slowed every organization's requests, and 10,000 are a list's
     * bound. The sum is counted by PostgreSQL as it reads the rows in order (a window over the page), so what is past
     * the budget is never read into the service. The window costs PostgreSQL CPU (about 450 µs for a page of 100
     * agents on a slow machine, 60% more than the page itself), so it is only added to a page that could pass the
     * budget: one of more than {@code ANSWER_BUDGET / mostPerRow} rows, {@code mostPerRow} being the most a row can
     * hold by the service's own limits on what is written.
     */
    public ListQuery sizedBy(String sizeExpression, long mostPerRow) {
        if (offset > 0) {
            throw new IllegalStateException("a sized list pages by its cursor, not an offset");
        }
        size = sizeExpression;
        this.mostPerRow = mostPerRow;
        return this;
    }

    /** Skips rows after the keyset: only for the lists whose contract has an {@code offset}. */
    public ListQuery offset(long rows) {
        if (size != null && rows > 0) {
            throw new IllegalStateException("a sized list pages by its cursor, not an offset");
        }
        offset = rows;
        return this;
    }

    /**
     * Counts {@link #page}'s total exactly, however long the list: only for a list whose contract pages by offset and
     * promises the whole count (seed 002), as {@link #aggregate} is only for contracts that need an exact figure.
     */
    public ListQuery exactTotal() {
        exactTotal = true;
        return this;
    }

    /**
     * One page and its total. It reads one row past the page, so the page knows whether another follows: the last
     * page of a walk offers no cursor, even when it is exactly full.
     */
    public <T> Uni<Page<T>> page(SqlConnection conn, int limit, Function<Row, T> map) {
        Uni<Slice<T>> items = slice(conn, limit, map);
        if (totalSql != null) {
            Uni<Long> kept = conn.preparedQuery(numbered(totalSql)).execute(Tuple.from(totalArgs))
                    .map(rows -> rows.iterator().next().getLong(0));
            return Uni.combine().all().unis(items, kept).asTuple().map(t -> Page.of(t.getItem1(), t.getItem2(), true));
        }
        Uni<Long> counted = exactTotal ? aggregate(conn, "count(*)", row -> row.getLong(0))
                : countUpTo(conn, TOTAL_BOUND + 1L);
        return Uni.combine().all().unis(items, counted).asTuple().map(t -> {
            long total = t.getItem2();
            return total > TOTAL_BOUND && !exactTotal ? Page.of(t.getItem1(), TOTAL_BOUND, false)
                    : Page.of(t.getItem1(), total, true);
        });
    }

    /**
     * One page without a total, reading one row past it so that the slice knows whether another follows (for a
     * {@link #sizedBy sized} list, the first row past its budget).
     */
    public <T> Uni<Slice<T>> slice(SqlConnection conn, int limit, Function<Row, T> map) {
        if (size == null || (long) limit * mostPerRow <= ANSWER_BUDGET) {
            return items(conn, limit + 1, map).map(read -> Slice.of(read, limit));
        }
        return execute(conn, limit + 1, true).map(rows -> {
            List<T> page = new ArrayList<>();
            boolean more = false;
            for (Row row : rows) {
                if (page.size() == limit || !page.isEmpty() && row.getLong(RUNNING) > ANSWER_BUDGET) {
                    more = true;
                    break;
                }
                page.add(map.apply(row));
            }
            return new Slice<>(page, more);
        });
    }

    /** One page, with a total known elsewhere (e.g. a head counter kept as rows are added). */
    public <T> Uni<List<T>> items(SqlConnection conn, int limit, Function<Row, T> map) {
        if (size != null && (long) limit * mostPerRow > ANSWER_BUDGET) {
            return slice(conn, limit, map).map(Slice::items);
        }
        return execute(conn, limit, false).map(rows -> all(rows, map));
    }

    /**
     * The page's rows; {@code sized}: with each row's running size in {@link #RUNNING}, and only up to the first row
     * that ends past the budget (the window sums in the page's order; the outer order is the same, as the sum grows).
     */
    private Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> execute(SqlConnection conn, int limit, boolean sized) {
        List<Object> args = new ArrayList<>(filterArgs);
        List<String> conditions = new ArrayList<>(filters);
        if (keyset != null) {
            conditions.add(keyset);
            args.addAll(keysetArgs);
        }
        args.add(limit);
        String sql;
        if (sized) {
            // + 1 a row: the sum grows strictly, so it orders the outer query as the window did the inner one
            String rowSize = "(coalesce(" + size + ", 0) + 1)";
            sql = "SELECT * FROM (SELECT " + columns + ", " + rowSize + " AS warden_row_size, sum" + rowSize + " OVER ("
                    + order + " ROWS UNBOUNDED PRECEDING) AS " + RUNNING + " FROM " + from + where(conditions) + order
                    + " LIMIT ?) AS sized WHERE " + RUNNING
                    + " - warden_row_size <= ? ORDER BY " + RUNNING;
            args.add(ANSWER_BUDGET);
        } else {
            sql = "SELECT " + columns + " FROM " + from + where(conditions) + order + " LIMIT ?"
                    + (offset > 0 ? " OFFSET " + offset : "");
        }
        return conn.preparedQuery(numbered(sql)).execute(Tuple.from(args));
    }

    /**
     * Aggregates over the whole filtered list (the filters, not the cursor's keyset), for a contract whose total carries
     * more than a count (seed 004's {@code online}): {@code aggregates} is the select list, {@code map} reads its row.
     * Unbounded, unlike {@link #page}'s total: only for lists whose contract needs the exact figure.
     */
    public <T> Uni<T> aggregate(SqlConnection conn, String aggregates, Function<Row, T> map) {
        return conn.preparedQuery(numbered("SELECT " + aggregates + " FROM " + from + where(filters)))
                .execute(Tuple.from(filterArgs)).map(rows -> map.apply(rows.iterator().next()));
    }

    private Uni<Long> countUpTo(SqlConnection conn, long bound) {
        List<Object> args = new ArrayList<>(filterArgs);
        args.add(bound);
        String sql = "SELECT count(*) FROM (SELECT 1 FROM " + from + where(filters) + " LIMIT ?) AS bounded";
        return conn.preparedQuery(numbered(sql)).execute(Tuple.from(args)).map(rows -> rows.iterator().next().getLong(0));
    }

    private static String where(List<String> conditions) {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    /** {@code ?} placeholders to PostgreSQL's {@code $1, $2, ...}. */
    static String numbered(String sql) {
        StringBuilder out = new StringBuilder(sql.length() + 16);
        int n = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '?') {
                out.append('$').append(++n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * A page of a list: its items, the total of the whole filtered list (exact, or a lower bound), and whether more
     * items follow the page.
     */
    public record Page<T>(List<T> items, long total, boolean totalExact, boolean more) {

        static <T> Page<T> of(Slice<T> slice, long total, boolean totalExact) {
            return new Page<>(slice.items(), total, totalExact, slice.more());
        }

        /** The cursor of the page after this one, at its last item's position; null when this page is the last. */
        public String nextCursor(Function<T, PageRequest.Cursor> positionOf) {
            return new Slice<>(items, more).nextCursor(positionOf);
        }
    }

    /** A page without a total (its contract has none, or knows it elsewhere), and whether more items follow it. */
    public record Slice<T>(List<T> items, boolean more) {

        /** The slice of {@code read}, which holds up to one row past a page of {@code limit}. */
        static <T> Slice<T> of(List<T> read, int limit) {
            boolean more = read.size() > limit;
            return new Slice<>(more ? List.copyOf(read.subList(0, limit)) : read, more);
        }

        /** The cursor of the page after this one, at its last item's position; null when this page is the last. */
        public String nextCursor(Function<T, PageRequest.Cursor> positionOf) {
            return more ? positionOf.apply(items.getLast()).encode() : null;
        }
    }
}
