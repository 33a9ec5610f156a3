package dev.warden.agent.realm;

import dev.warden.api.PageRequest;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.ListQuery.Page;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Arrays;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.utc;

/** Realms. Row-Level Security scopes every statement to the transaction's organization. */
@ApplicationScoped
public class RealmRepository {

    private static final String COLUMNS = "id, org_id, name, slug, color, created_at, created_by, updated_at, updated_by, revision";

    public Uni<Realm> findById(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM realms WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, RealmRepository::realm));
    }

    /** Reads the realm and locks it until the transaction ends: a removal waits for agents joining it, and they for it. */
    public Uni<Realm> lockById(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM realms WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .map(rows -> first(rows, RealmRepository::realm));
    }

    /** Whether the organization has this realm, holding it (FOR SHARE) so it is not removed before the transaction ends. */
    public Uni<Boolean> holdExisting(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT 1 FROM realms WHERE id = $1 FOR SHARE").execute(Tuple.of(id))
                .map(rows -> rows.size() > 0);
    }

    public Uni<Boolean> slugTaken(SqlConnection conn, String slug, UUID except) {
        return conn.preparedQuery("SELECT EXISTS (SELECT 1 FROM realms WHERE slug = $1 AND id IS DISTINCT FROM $2)")
                .execute(Tuple.of(slug, except))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    public Uni<Boolean> hasAgents(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT EXISTS (SELECT 1 FROM agents WHERE realm = $1)").execute(Tuple.of(id))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    /** Oldest first. */
    public Uni<Page<Realm>> list(SqlConnection conn, PageRequest page) {
        return ListQuery.select(COLUMNS, "realms")
                .updatedSince("updated_at", page.updatedSince())
                .byTimeAfter("created_at", "id", page.after())
                .page(conn, page.limit(), RealmRepository::realm);
    }

    public Uni<Void> insert(SqlConnection conn, Realm r) {
        return conn.preparedQuery("""
                        INSERT INTO realms (id, org_id, name, slug, color, created_at, created_by, updated_at, updated_by)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""")
                .execute(Tuple.from(Arrays.asList(r.id, r.orgId, r.name, r.slug, r.color, utc(r.createdAt), r.createdBy,
                        utc(r.updatedAt), r.updatedBy)))
                .replaceWithVoid();
    }

    public Uni<Void> update(SqlConnection conn, Realm r) {
        return conn.preparedQuery("""
                        UPDATE realms SET name = $2, slug = $3, color = $4, updated_at = $5, updated_by = $6, revision = $7
                        WHERE id = $1""")
                .execute(Tuple.from(Arrays.asList(r.id, r.name, r.slug, r.color, utc(r.updatedAt), r.updatedBy, r.revision)))
                .replaceWithVoid();
    }

    public Uni<Void> delete(SqlConnection conn, UUID id) {
        return conn.preparedQuery("DELETE FROM realms WHERE id = $1").execute(Tuple.of(id)).replaceWithVoid();
    }

    private static Realm realm(Row row) {
        Realm r = new Realm();
        r.id = row.getUUID("id");
        r.orgId = row.getUUID("org_id");
        r.name = row.getString("name");
        r.slug = row.getString("slug");
        r.color = row.getString("color");
        r.createdAt = instant(row, "created_at");
        r.createdBy = row.getString("created_by");
        r.updatedAt = instant(row, "updated_at");
        r.updatedBy = row.getString("updated_by");
        r.revision = row.getLong("revision");
        return r;
    }
}
