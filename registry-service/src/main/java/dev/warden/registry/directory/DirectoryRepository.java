package dev.warden.registry.directory;

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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;

/** Seed 004's reads: agents with their realm, filtered, sorted and paged by page number. */
@ApplicationScoped
public class DirectoryRepository {

    private static final String FROM = RegistryAgentRow.FROM
            + " LEFT JOIN registry_realms r ON r.org_id = a.org_id AND r.id = a.realm";
    private static final String COLUMNS = RegistryAgentRow.COLUMNS
            + ", r.id AS realm_id, r.name AS realm_name, r.slug AS realm_slug, r.color AS realm_color";

    /** An agent and its realm (null when it has none, or the realm is gone). */
    public record Found(RegistryAgentRow agent, DirectoryRealm realm) {
    }

    /** The filters of one listing, each null when not given. */
    public record Filter(String q, Boolean online, String realm, List<String> capabilities, Instant updatedSince) {
    }

    public record Counts(long total, long online) {
    }

    public Uni<List<Found>> list(SqlConnection conn, Filter filter, String order, int limit, long offset) {
        List<Object> args = new ArrayList<>();
        String where = where(filter, args);
        args.add(limit);
        args.add(offset);
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM " + FROM + where + " ORDER BY " + order
                        + " LIMIT $" + (args.size() - 1) + " OFFSET $" + args.size())
                .execute(Tuple.from(args))
                .map(rows -> all(rows, DirectoryRepository::found));
    }

    public Uni<Counts> counts(SqlConnection conn, Filter filter) {
        List<Object> args = new ArrayList<>();
        String where = where(filter, args);
        return conn.preparedQuery("SELECT count(*) AS total, count(*) FILTER (WHERE s.instances_online > 0) AS online FROM "
                        + FROM + where)
                .execute(Tuple.from(args))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Counts(row.getLong("total"), row.getLong("online"));
                });
    }

    /** By DID, or by Warden id. */
    public Uni<Found> find(SqlConnection conn, String did, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM " + FROM + " WHERE a.did = $1 OR a.agent_id = $2 LIMIT 1")
                .execute(Tuple.of(did, id))
                .map(rows -> first(rows, DirectoryRepository::found));
    }

    private static String where(Filter f, List<Object> args) {
        List<String> conditions = new ArrayList<>();
        if (f.q() != null) {
            args.add(ListQuery.containing(f.q()));
            conditions.add("(a.name ILIKE $" + args.size() + " OR a.did ILIKE $" + args.size() + ")");
        }
        if (f.online() != null) {
            conditions.add(f.online() ? "s.instances_online > 0" : "coalesce(s.instances_online, 0) = 0");
        }
        if (f.realm() != null) {
            UUID id = Params.uuidOrNull(f.realm());
            if (id != null) {
                args.add(id);
                conditions.add("a.realm = $" + args.size());
            } else {
                args.add(f.realm());
                conditions.add("r.slug = $" + args.size());
            }
        }
        if (f.updatedSince() != null) {
            args.add(f.updatedSince().atOffset(java.time.ZoneOffset.UTC));
            conditions.add(RegistryAgentRow.CHANGED_SINCE.replace("?", "$" + args.size()));
        }
        if (f.capabilities() != null && !f.capabilities().isEmpty()) {
            args.add(f.capabilities().toArray(String[]::new));
            conditions.add("a.granted_capabilities @> $" + args.size());
        }
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    private static Found found(Row row) {
        UUID realm = row.getUUID("realm_id");
        return new Found(RegistryAgentRow.of(row), realm == null ? null : new DirectoryRealm(realm,
                row.getString("realm_name"), row.getString("realm_slug"), row.getString("realm_color")));
    }
}
