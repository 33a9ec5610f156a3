package dev.warden.fleet.enrollment;

import dev.warden.api.PageRequest;
import dev.warden.tenancy.db.ListQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

/** SQL of enrolment tokens, and the credential look-ups that run in the platform scope (by secret hash). */
@ApplicationScoped
public class EnrollmentRepository {

    public Uni<Token> insert(SqlConnection conn, UUID id, UUID org, String sha256, UUID agentId, int maxUses,
                             Instant expiresAt, Instant at, String by) {
        return conn.preparedQuery("INSERT INTO fleet_enrollment_tokens (id, org_id, secret_sha256, agent_id, max_uses, "
                        + "expires_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING " + Token.COLUMNS)
                .execute(Tuple.from(new Object[]{id, org, sha256, agentId, maxUses, utc(expiresAt), utc(at), by}))
                .map(rows -> Token.from(rows.iterator().next()));
    }

    /** Revokes a token of the organization not revoked yet, answering it; empty when there is no such token to revoke. */
    public Uni<Optional<Token>> revoke(SqlConnection conn, UUID id, Instant at) {
        return conn.preparedQuery("UPDATE fleet_enrollment_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL "
                        + "RETURNING " + Token.COLUMNS)
                .execute(Tuple.of(id, utc(at)))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Token.from(rows.iterator().next())));
    }

    /** Whether the organization has a token with this id, revoked or not. */
    public Uni<Boolean> exists(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT 1 FROM fleet_enrollment_tokens WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() > 0);
    }

    /**
     * The organization's tokens, oldest first, a page at a time: those {@code by} issued when given, those still usable
     * at {@code now} when asked; {@code updated_since} counts an issue and a revocation (not each use).
     */
    public Uni<ListQuery.Page<Token>> page(SqlConnection conn, PageRequest page, String by, boolean usableOnly, Instant now) {
        ListQuery list = ListQuery.select(Token.COLUMNS, "fleet_enrollment_tokens")
                .whereIfPresent("created_by = ?", by)
                .updatedSince("greatest(created_at, revoked_at)", page.updatedSince());
        if (usableOnly) {
            list.where("revoked_at IS NULL AND uses < max_uses AND expires_at > ?", utc(now));
        }
        return list.byTimeAfter("created_at", "id", page.after()).page(conn, page.limit(), Token::from);
    }

    /** Uses the token once if it still may be used: answers whether it was. */
    public Uni<Boolean> consume(SqlConnection conn, UUID id, Instant at) {
        return conn.preparedQuery("UPDATE fleet_enrollment_tokens SET uses = uses + 1 WHERE id = $1 AND revoked_at IS NULL "
                        + "AND expires_at > $2 AND uses < max_uses")
                .execute(Tuple.of(id, utc(at)))
                .map(rows -> rows.rowCount() > 0);
    }

    /** Platform scope: a usable token with this secret. */
    public Uni<Optional<Token>> usableToken(SqlConnection conn, String sha256, Instant at) {
        return conn.preparedQuery("SELECT " + Token.COLUMNS + " FROM fleet_enrollment_tokens WHERE secret_sha256 = $1 "
                        + "AND revoked_at IS NULL AND expires_at > $2 AND uses < max_uses")
                .execute(Tuple.of(sha256, utc(at)))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Token.from(rows.iterator().next())));
    }

    /** Platform scope: the live instance holding this credential. */
    public Uni<Optional<Holder>> credentialHolder(SqlConnection conn, String sha256) {
        return conn.preparedQuery("SELECT id, org_id, agent_id FROM fleet_instances WHERE credential_sha256 = $1 "
                        + "AND status <> 'deregistered'")
                .execute(Tuple.of(sha256))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row r = rows.iterator().next();
                    return Optional.of(new Holder(r.getString("id"), r.getUUID("org_id"), r.getUUID("agent_id")));
                });
    }

    public record Token(UUID id, UUID orgId, UUID agentId, int maxUses, int uses, Instant expiresAt,
                        Instant createdAt, String createdBy, Instant revokedAt) {

        static final String COLUMNS = "id, org_id, agent_id, max_uses, uses, expires_at, created_at, created_by, revoked_at";

        static Token from(Row r) {
            OffsetDateTime revoked = r.getOffsetDateTime("revoked_at");
            return new Token(r.getUUID("id"), r.getUUID("org_id"), r.getUUID("agent_id"), r.getInteger("max_uses"),
                    r.getInteger("uses"), r.getOffsetDateTime("expires_at").toInstant(),
                    r.getOffsetDateTime("created_at").toInstant(), r.getString("created_by"),
                    revoked == null ? null : revoked.toInstant());
        }

        /** What the token is at {@code now}: revoked, expired, used up, or usable. */
        public String state(Instant now) {
            if (revokedAt != null) {
                return "revoked";
            }
            if (!expiresAt.isAfter(now)) {
                return "expired";
            }
            return uses >= maxUses ? "used_up" : "usable";
        }
    }

    public record Holder(String instanceId, UUID orgId, UUID agentId) {
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
