package dev.warden.launcher.stack;

import dev.warden.launcher.LauncherException;
import dev.warden.testing.LocalPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What became of the demo admin key since an earlier start made it: revoked, expired, or in a disabled organization.
 * agent-service's bootstrap never restores a key an admin revoked (it only makes a key whose secret it does not know
 * yet), so without this look the launcher waited for a key that would never work, and the suite never started again
 * on that data folder. Read as the database's superuser, in agent-service's database, before agent-service starts; on
 * a first start the table is not there yet and there is nothing to say.
 */
record DemoKey(Optional<String> refusal, Optional<UUID> disabledOrganization) {

    static final DemoKey USABLE = new DemoKey(Optional.empty(), Optional.empty());

    static DemoKey look(LocalPostgres postgres, String database, String secret) {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(database), postgres.superUser(),
                postgres.superPassword())) {
            try (ResultSet table = c.createStatement().executeQuery("SELECT to_regclass('public.api_keys') IS NOT NULL")) {
                if (!table.next() || !table.getBoolean(1)) {
                    return USABLE;
                }
            }
            try (PreparedStatement s = c.prepareStatement("""
                    SELECT k.revoked_at, k.revoked_by, k.expires_at, o.id, o.status
                    FROM api_keys k JOIN organizations o ON o.id = k.org_id WHERE k.secret_sha256 = ?""")) {
                s.setString(1, Secrets.sha256Hex(secret));
                try (ResultSet key = s.executeQuery()) {
                    if (!key.next()) {
                        return USABLE;
                    }
                    Timestamp revoked = key.getTimestamp(1);
                    Timestamp expires = key.getTimestamp(3);
                    if (revoked != null) {
                        String by = key.getString(2);
                        return refused("revoked at " + revoked.toInstant() + (by == null ? "" : " by " + by));
                    }
                    if (expires != null && !expires.toInstant().isAfter(Instant.now())) {
                        return refused("expired at " + expires.toInstant());
                    }
                    if (!"active".equals(key.getString(5))) {
                        return new DemoKey(Optional.empty(), Optional.of(key.getObject(4, UUID.class)));
                    }
                    return USABLE;
                }
            }
        } catch (SQLException e) {
            throw new LauncherException("could not read the demo admin key's state in " + database + ": " + e.getMessage(), e);
        }
    }

    private static DemoKey refused(String why) {
        return new DemoKey(Optional.of(why), Optional.empty());
    }

    /** Whether the launcher may wait for the key to open its organization: not while the organization is disabled. */
    boolean opens() {
        return disabledOrganization.isEmpty();
    }

    /** What the "Keys and databases" step adds to its line: a key made anew, or the organization disabled. */
    String stepNote() {
        return refusal.map(why -> "; the demo admin key was " + why + ", so a new one was made")
                .or(() -> disabledOrganization.map(id -> "; organization " + ServiceEnv.DEMO_ORG + " is disabled, so its "
                        + "admin key opens nothing until the platform admin enables it"))
                .orElse("");
    }

    /** What the ready summary adds after the key's organization. */
    String summaryNote() {
        return disabledOrganization.map(id -> ", disabled: POST /v1/orgs/" + id + "/enable with the platform key enables it")
                .orElse("");
    }
}
