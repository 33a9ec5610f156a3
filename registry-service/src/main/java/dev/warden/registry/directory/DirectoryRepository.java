package dev.warden.registry.directory;

import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.registry.RegistryAgentRow;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.registry.directory.DirectoryWire.DirectoryRealm;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.first;

/** Seed 004's reads: agents with their realm, filtered, sorted and paged by page number or by cursor. */
@ApplicationScoped
public class DirectoryRepository {

    private static final String FROM = RegistryAgentRow.FROM
            + " LEFT JOIN registry_realms r ON r.org_id = a.org_id AND r.id = a.realm";
    private static final String REALM_COLUMNS = ", r.id AS realm_id, r.name AS realm_name, r.slug AS realm_slug, r.color AS realm_color";
    private static final String COLUMNS = RegistryAgentRow.COLUMNS + REALM_COLUMNS;

    /** An agent and its realm (null when it has none, or the realm is gone). */
    public record Found(RegistryAgentRow agent, DirectoryRealm realm) {
    }

    /** The filters of one listing, each null when not given. */
    public record Filter(String q, Boolean online, String realm, List<String> capabilities, Instant updatedSince) {
    }

    public record Counts(long total, long online) {
    }

    /** What seed 004's {@code sortBy} orders by, beside name ({@link RegistryAgentRow#byName}). */
    private static final Map<String, String> SORTS = Map.of("registeredAt", "a.created_at", "lastSeen", "s.last_seen");

    /**
     * One page in {@code sortBy}'s order, from {@code offset}; or, after {@code after} (a cursor), in the registration order
     * ({@code created_at, agent_id}), which a cursor follows whatever {@code order} says.
     */
    public Uni<ListQuery.Slice<Found>> list(SqlConnection conn, Filter filter, String sortBy, boolean descending,
                                            PageRequest.Cursor after, int limit, long offset) {
        ListQuery query = query(filter);
        if (after != null) {
            query.byTimeAfter("a.created_at", "a.agent_id", after);
        } else {
            String direction = descending ? " DESC" : "";
            String first = "name".equals(sortBy) ? RegistryAgentRow.byName(descending)
                    : SORTS.get(sortBy) + direction + ("lastSeen".equals(sortBy) ? " NULLS LAST" : "");
            query.orderBy(first + ", a.agent_id" + direction, null);
        }
        return query.offset(offset).slice(conn, limit, DirectoryRepository::found);
    }

    /** The whole filtered set's size and how many of it are online (seed 004's {@code total} and {@code online}). */
    public Uni<Counts> counts(SqlConnection conn, Filter filter) {
        return query(filter).aggregate(conn, "count(*), count(*) FILTER (WHERE s.instances_online > 0)",
                row -> new Counts(row.getLong(0), row.getLong(1)));
    }

    /** By DID, or by Warden id. */
    public Uni<Found> find(SqlConnection conn, String did, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM " + FROM + " WHERE a.did = $1 OR a.agent_id = $2 LIMIT 1")
                .execute(Tuple.of(did, id))
                .map(rows -> first(rows, DirectoryRepository::found));
    }

    private static ListQuery query(Filter f) {
        ListQuery query = ListQuery.select(RegistryAgentRow.LIST_COLUMNS + REALM_COLUMNS, FROM);
        if (f.q() != null) {
            String pattern = ListQuery.containing(f.q());
            query.where("(a.name ILIKE ? OR a.did ILIKE ?)", pattern, pattern);
        }
        if (f.online() != null) {
            query.where(f.online() ? "s.instances_online > 0" : "coalesce(s.instances_online, 0) = 0");
        }
        if (f.realm() != null) {
            UUID id = Params.uuidOrNull(f.realm());
            query.where(id != null ? "a.realm = ?" : "r.slug = ?", id != null ? id : f.realm());
        }
        if (f.capabilities() != null && !f.capabilities().isEmpty()) {
            query.where("a.granted_capabilities @> ?", (Object) f.capabilities().toArray(String[]::new));
        }
        return query.whereIfPresent(RegistryAgentRow.CHANGED_SINCE, f.updatedSince());
    }

    private static Found found(Row row) {
        UUID realm = row.getUUID("realm_id");
        return new Found(RegistryAgentRow.of(row), realm == null ? null : new DirectoryRealm(realm,
                row.getString("realm_name"), row.getString("realm_slug"), row.getString("realm_color")));
    }
}
