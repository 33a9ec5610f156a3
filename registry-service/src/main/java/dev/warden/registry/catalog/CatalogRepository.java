package dev.warden.registry.catalog;

import dev.warden.api.PageRequest;
import dev.warden.registry.RegistryAgentRow;
import dev.warden.tenancy.db.ListQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.first;

/** Seed 002's reads over the projection. */
@ApplicationScoped
public class CatalogRepository {

    /** {@code sort}: the ORDER BY of each accepted value. */
    static String order(String sort) {
        return switch (sort) {
            case "name" -> RegistryAgentRow.byName(false) + ", a.agent_id";
            case "-name" -> RegistryAgentRow.byName(true) + ", a.agent_id DESC";
            case "-created_at" -> "a.created_at DESC, a.agent_id DESC";
            default -> "a.created_at, a.agent_id";
        };
    }

    public Uni<ListQuery.Page<RegistryAgentRow>> list(SqlConnection conn, String status, String type, String q,
                                                     String sort, int limit, long offset, PageRequest.Cursor after,
                                                     Instant updatedSince) {
        ListQuery query = ListQuery.select(RegistryAgentRow.LIST_COLUMNS, RegistryAgentRow.FROM)
                .whereIfPresent(RegistryAgentRow.CHANGED_SINCE, updatedSince)
                .whereEquals("a.status", status)
                .whereEquals("a.agent_type", type)
                .whereIfPresent("a.name ILIKE ?", q == null ? null : ListQuery.containing(q));
        if (after != null) {
            query.byTimeAfter("a.created_at", "a.agent_id", after);
        } else {
            query.orderBy(order(sort), null);
        }
        // Seed 002's pagination has no word for a bounded count: its total is the whole count
        return query.offset(offset).exactTotal().page(conn, limit, RegistryAgentRow::of);
    }

    public Uni<RegistryAgentRow> find(SqlConnection conn, UUID agent) {
        return conn.preparedQuery("SELECT " + RegistryAgentRow.COLUMNS + " FROM " + RegistryAgentRow.FROM
                        + " WHERE a.agent_id = $1")
                .execute(Tuple.of(agent))
                .map(rows -> first(rows, RegistryAgentRow::of));
    }
}
