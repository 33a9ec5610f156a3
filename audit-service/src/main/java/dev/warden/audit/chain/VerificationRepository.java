package dev.warden.audit.chain;

import dev.warden.tenancy.db.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;

/** Whole-chain verifications. Row-Level Security scopes every statement to one organization. */
@ApplicationScoped
public class VerificationRepository {

    /**
     * A running verification, or a building compliance package, that has not moved for this long was interrupted: its
     * service stopped, or the database stayed away for longer than the work waits for it.
     */
    public static final String STALE = "2 minutes";
    /** How long such work waits for a database it cannot reach before it gives up: well within {@link #STALE}. */
    public static final Duration OUTAGE_WAIT = Duration.ofSeconds(90);

    /**
     * The organization's verification still running (moved within {@link #STALE}), or null; first takes a lock on the
     * organization's verifications held to the end of the caller's transaction, so that two requests racing each
     * other see one another's insert.
     */
    public Uni<UUID> lockedRunning(SqlConnection conn, UUID org) {
        return Rows.lockUntilCommit(conn, "chain_verifications " + org)
                .chain(() -> conn.preparedQuery("""
                                SELECT id FROM chain_verifications
                                WHERE status = 'running' AND updated_at >= now() - interval '%s' LIMIT 1""".formatted(STALE))
                        .execute())
                .map(rows -> first(rows, row -> row.getUUID("id")));
    }

    public Uni<Void> insert(SqlConnection conn, UUID id, UUID org, long head, String actor) {
        return conn.preparedQuery("""
                        INSERT INTO chain_verifications (id, org_id, status, head, requested_by, requested_at, updated_at)
                        VALUES ($1, $2, 'running', $3, $4, now(), now())""")
                .execute(Tuple.of(id, org, head, actor)).replaceWithVoid();
    }

    public Uni<ChainVerification> find(SqlConnection conn, UUID id) {
        return conn.preparedQuery("""
                        SELECT id, head, entries_checked, first_invalid_sequence, requested_by, requested_at, completed_at,
                            CASE WHEN status = 'running' AND updated_at < now() - interval '%1$s' THEN 'failed' ELSE status END
                                AS status,
                            CASE WHEN status = 'running' AND updated_at < now() - interval '%1$s'
                                THEN 'interrupted: the service stopped while verifying; request a new verification'
                                ELSE reason END AS reason
                        FROM chain_verifications WHERE id = $1""".formatted(STALE))
                .execute(Tuple.of(id))
                .map(rows -> first(rows, VerificationRepository::verification));
    }

    public Uni<Void> progress(SqlConnection conn, UUID id, long checked) {
        return conn.preparedQuery("UPDATE chain_verifications SET entries_checked = $2, updated_at = now() WHERE id = $1")
                .execute(Tuple.of(id, checked)).replaceWithVoid();
    }

    public Uni<Void> finish(SqlConnection conn, UUID id, String status, long checked, Long firstInvalid, String reason) {
        return conn.preparedQuery("""
                        UPDATE chain_verifications SET status = $2, entries_checked = $3, first_invalid_sequence = $4,
                            reason = $5, updated_at = now(), completed_at = now() WHERE id = $1""")
                .execute(Tuple.from(Arrays.asList(id, status, checked, firstInvalid, reason))).replaceWithVoid();
    }

    private static ChainVerification verification(Row r) {
        long head = r.getLong("head");
        long checked = r.getLong("entries_checked");
        String status = r.getString("status");
        int progress = !"running".equals(status) && !"failed".equals(status) ? 100
                : head == 0 ? 0 : (int) Math.min(99, checked * 100 / head);
        return new ChainVerification(r.getUUID("id"), status, progress, head, checked,
                r.getLong("first_invalid_sequence"), r.getString("reason"), r.getString("requested_by"),
                instant(r, "requested_at"), instant(r, "completed_at"));
    }
}
