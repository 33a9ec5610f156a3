package dev.warden.audit.action;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

import static dev.warden.tenancy.db.Rows.first;

/** {@code audit_instance_credentials}: the SHA-256 of each fleet instance's credential, its organization and agent. */
@ApplicationScoped
public class InstanceCredentialRepository {

    /** An instance a credential opens: its organization, its id and the agent it is bound to (null: none). */
    public record Holder(UUID org, String instance, UUID agent) {
    }

    /** Platform scope (the organization is what the credential tells): the unrevoked credential's holder, or null. */
    public Uni<Holder> find(SqlConnection conn, String sha256) {
        return conn.preparedQuery("SELECT org_id, instance_id, agent_id FROM audit_instance_credentials "
                        + "WHERE credential_sha256 = $1 AND NOT revoked").execute(Tuple.of(sha256))
                .map(rows -> first(rows, InstanceCredentialRepository::holder));
    }

    /** Idempotent: a credential already known stays as it is. */
    public Uni<Void> insert(SqlConnection conn, String sha256, UUID org, String instance, UUID agent) {
        return conn.preparedQuery("INSERT INTO audit_instance_credentials (credential_sha256, org_id, instance_id, agent_id) "
                        + "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(sha256, org, instance, agent)).replaceWithVoid();
    }

    public Uni<Void> revoke(SqlConnection conn, String instance) {
        return conn.preparedQuery("UPDATE audit_instance_credentials SET revoked = true WHERE instance_id = $1")
                .execute(Tuple.of(instance)).replaceWithVoid();
    }

    private static Holder holder(Row r) {
        return new Holder(r.getUUID(0), r.getString(1), r.getUUID(2));
    }
}
