package dev.warden.agent.access;

import dev.warden.api.PageRequest;
import dev.warden.tenancy.security.ApiKeyUsed;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.ListQuery.Page;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.utc;

/** Organizations and API keys. Row-Level Security scopes keys to the transaction's organization. */
@ApplicationScoped
public class AccessRepository {

    private static final String KEY_COLUMNS = "id, org_id, name, role, secret_sha256, prefix, expires_at, revoked_at, "
            + "revoked_by, last_used_at, created_at, created_by";
    private static final String ORG_COLUMNS = "id, name, status, created_at, updated_at, outbound_allow_list";

    public Uni<Void> insertOrganization(SqlConnection conn, OrganizationRecord org) {
        return conn.preparedQuery("INSERT INTO organizations (" + ORG_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6)")
                .execute(Tuple.of(org.id(), org.name(), org.status(), utc(org.createdAt()), utc(org.updatedAt()),
                        org.outboundAllowList().toArray(String[]::new)))
                .replaceWithVoid();
    }

    public Uni<Void> updateOrganizationStatus(SqlConnection conn, UUID id, String status, Instant at) {
        return conn.preparedQuery("UPDATE organizations SET status = $2, updated_at = $3 WHERE id = $1")
                .execute(Tuple.of(id, status, utc(at))).replaceWithVoid();
    }

    public Uni<Void> updateOutboundAllowList(SqlConnection conn, UUID id, List<String> entries, Instant at) {
        return conn.preparedQuery("UPDATE organizations SET outbound_allow_list = $2, updated_at = $3 WHERE id = $1")
                .execute(Tuple.of(id, entries.toArray(String[]::new), utc(at))).replaceWithVoid();
    }

    /** The allow-list of the transaction's organization (Row-Level Security shows it only its own row). */
    public Uni<List<String>> outboundAllowList(SqlConnection conn) {
        return conn.query("SELECT outbound_allow_list FROM organizations WHERE id = warden_current_org()").execute()
                .map(rows -> {
                    List<String> found = first(rows, r -> List.of(r.getArrayOfStrings("outbound_allow_list")));
                    return found == null ? List.of() : found;
                });
    }

    /** The active organization named {@code nameOrId} (its name, or its id) when it has open registration on; else null. */
    /** A UUID in any case: what an organization's name may not look like. */
    public static final Pattern UUID_SHAPE =
            Pattern.compile("(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    /** By id when {@code nameOrId} has a UUID's form, else by name: never one for the other. */
    public Uni<UUID> openForRegistration(SqlConnection conn, String nameOrId) {
        boolean byId = UUID_SHAPE.matcher(nameOrId).matches();
        return conn.preparedQuery("SELECT id FROM organizations WHERE " + (byId ? "id = $1::uuid" : "name = $1")
                        + " AND status = 'active' AND open_registration")
                .execute(Tuple.of(byId ? nameOrId.toLowerCase(java.util.Locale.ROOT) : nameOrId))
                .map(rows -> first(rows, row -> row.getUUID("id")));
    }

    /**
     * {@code org}'s registration settings: whether it takes registrations without a credential, and the capabilities
     * it lets them be granted (null: every one the deployment knows). Closed and null without such an organization.
     */
    public Uni<RegistrationSettingsRow> registrationSettings(SqlConnection conn, UUID org) {
        return registrationSettings(conn, org, "");
    }

    /**
     * The same, with the organization's row share-locked until the transaction ends, for a transaction that grants
     * within the allow-list: an admin's change waits for it, and it for a change under way (then reads the change).
     */
    public Uni<RegistrationSettingsRow> lockedRegistrationSettings(SqlConnection conn, UUID org) {
        return registrationSettings(conn, org, " FOR SHARE");
    }

    private Uni<RegistrationSettingsRow> registrationSettings(SqlConnection conn, UUID org, String lock) {
        return conn.preparedQuery("SELECT open_registration, available_capabilities FROM organizations WHERE id = $1" + lock)
                .execute(Tuple.of(org))
                .map(rows -> {
                    RegistrationSettingsRow found = first(rows, row -> {
                        String[] own = row.getArrayOfStrings("available_capabilities");
                        return new RegistrationSettingsRow(Boolean.TRUE.equals(row.getBoolean("open_registration")),
                                own == null ? null : List.of(own));
                    });
                    return found != null ? found : new RegistrationSettingsRow(false, null);
                });
    }

    public record RegistrationSettingsRow(boolean openRegistration, List<String> availableCapabilities) {
    }

    /** {@code capabilities} null: every one the deployment knows. True when it changed them (the same again changes nothing). */
    public Uni<Boolean> setAvailableCapabilities(SqlConnection conn, UUID org, List<String> capabilities, Instant at) {
        return conn.preparedQuery("UPDATE organizations SET available_capabilities = $2, updated_at = $3 "
                        + "WHERE id = $1 AND available_capabilities IS DISTINCT FROM $2")
                .execute(Tuple.of(org, capabilities == null ? null : capabilities.toArray(String[]::new), utc(at)))
                .map(rows -> rows.rowCount() == 1);
    }

    /** True when it changed it (the same setting again changes nothing). */
    public Uni<Boolean> setOpenRegistration(SqlConnection conn, UUID org, boolean open, Instant at) {
        return conn.preparedQuery("UPDATE organizations SET open_registration = $2, updated_at = $3 "
                        + "WHERE id = $1 AND open_registration IS DISTINCT FROM $2")
                .execute(Tuple.of(org, open, utc(at))).map(rows -> rows.rowCount() == 1);
    }

    public Uni<OrganizationRecord> findOrganization(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + ORG_COLUMNS + " FROM organizations WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, AccessRepository::organization));
    }

    /**
     * The organization under its row lock until the transaction ends: a change decided on what it reads (no event
     * when the status is already the one asked for) is not decided twice by racing requests.
     */
    public Uni<OrganizationRecord> lockOrganization(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + ORG_COLUMNS + " FROM organizations WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .map(rows -> first(rows, AccessRepository::organization));
    }

    public Uni<OrganizationRecord> findOrganizationByName(SqlConnection conn, String name) {
        return conn.preparedQuery("SELECT " + ORG_COLUMNS + " FROM organizations WHERE name = $1").execute(Tuple.of(name))
                .map(rows -> first(rows, AccessRepository::organization));
    }

    public Uni<Page<OrganizationRecord>> listOrganizations(SqlConnection conn, PageRequest page) {
        return ListQuery.select(ORG_COLUMNS, "organizations")
                .updatedSince("updated_at", page.updatedSince())
                .byTimeAfter("created_at", "id", page.after())
                .page(conn, page.limit(), AccessRepository::organization);
    }

    public Uni<Void> insertKey(SqlConnection conn, ApiKeyRecord k) {
        return conn.preparedQuery("INSERT INTO api_keys (" + KEY_COLUMNS
                        + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                .execute(Tuple.from(Arrays.asList(k.id(), k.orgId(), k.name(), k.role(), k.secretSha256(), k.prefix(),
                        utc(k.expiresAt()), utc(k.revokedAt()), k.revokedBy(), utc(k.lastUsedAt()), utc(k.createdAt()),
                        k.createdBy())))
                .replaceWithVoid();
    }

    /**
     * Whether the key is unrevoked, unexpired and its organization active, holding both rows (FOR SHARE) until the
     * transaction ends: a revocation or a disabling racing it either waits for the transaction, or commits first and
     * is seen here.
     */
    public Uni<Boolean> holdUsableKey(SqlConnection conn, UUID id) {
        return conn.preparedQuery("""
                        SELECT 1 FROM api_keys k JOIN organizations o ON o.id = k.org_id
                        WHERE k.id = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
                          AND o.status = 'active'
                        FOR SHARE OF k, o""")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() > 0);
    }

    /** Every organization (platform scope): for a comparison with warden.access.v1 ({@code AccessReconciliation}). */
    public Uni<List<OrganizationRecord>> allOrganizations(SqlConnection conn) {
        return conn.query("SELECT " + ORG_COLUMNS + " FROM organizations").execute()
                .map(rows -> all(rows, AccessRepository::organization));
    }

    /** Every key of the organization in scope, revoked and expired ones too. */
    public Uni<List<ApiKeyRecord>> allKeys(SqlConnection conn) {
        return conn.query("SELECT " + KEY_COLUMNS + " FROM api_keys").execute()
                .map(rows -> all(rows, AccessRepository::key));
    }

    public Uni<ApiKeyRecord> findKey(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, AccessRepository::key));
    }

    public Uni<ApiKeyRecord> findKeyByHash(SqlConnection conn, String sha256) {
        return conn.preparedQuery("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE secret_sha256 = $1")
                .execute(Tuple.of(sha256))
                .map(rows -> first(rows, AccessRepository::key));
    }

    /**
     * The organization's admin keys in force (unrevoked, unexpired), locked until the transaction ends, so that two
     * revocations at once cannot both find the other key still there and leave the organization with none.
     */
    public Uni<List<UUID>> lockAdminKeysInForce(SqlConnection conn) {
        return conn.preparedQuery("""
                        SELECT id FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL
                            AND (expires_at IS NULL OR expires_at > now()) ORDER BY id FOR UPDATE""")
                .execute()
                .map(rows -> all(rows, r -> r.getUUID(0)));
    }

    /**
     * Revokes a key not revoked yet, answering it; null when there is no such key or it is revoked already (by a
     * concurrent request, whose revocation and revoker stand), so each key is revoked, and published revoked, once.
     */
    public Uni<ApiKeyRecord> revokeKey(SqlConnection conn, UUID id, Instant at, String by) {
        return conn.preparedQuery("UPDATE api_keys SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL"
                        + " RETURNING " + KEY_COLUMNS)
                .execute(Tuple.of(id, utc(at), by))
                .map(rows -> first(rows, AccessRepository::key));
    }

    public Uni<Page<ApiKeyRecord>> listKeys(SqlConnection conn, PageRequest page) {
        return ListQuery.select(KEY_COLUMNS, "api_keys")
                .updatedSince("greatest(created_at, revoked_at)", page.updatedSince())
                .byTimeAfter("created_at", "id", page.after())
                .page(conn, page.limit(), AccessRepository::key);
    }

    /** Moves each key's last use forward, never back: batches from two replicas may arrive in any order. */
    public Uni<Void> recordUses(SqlConnection conn, List<ApiKeyUsed> uses) {
        return conn.preparedQuery("UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, $2), $2) WHERE id = $1")
                .executeBatch(uses.stream().map(u -> Tuple.of(u.keyId(), utc(u.at()))).toList())
                .replaceWithVoid();
    }

    private static OrganizationRecord organization(Row r) {
        return new OrganizationRecord(r.getUUID("id"), r.getString("name"), r.getString("status"),
                instant(r, "created_at"), instant(r, "updated_at"), List.of(r.getArrayOfStrings("outbound_allow_list")));
    }

    private static ApiKeyRecord key(Row r) {
        return new ApiKeyRecord(r.getUUID("id"), r.getUUID("org_id"), r.getString("name"), r.getString("role"),
                r.getString("secret_sha256"), r.getString("prefix"), instant(r, "expires_at"),
                instant(r, "revoked_at"), r.getString("revoked_by"), instant(r, "last_used_at"),
                instant(r, "created_at"), r.getString("created_by"));
    }
}
