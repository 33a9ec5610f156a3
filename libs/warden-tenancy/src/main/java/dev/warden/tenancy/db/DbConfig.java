package dev.warden.tenancy.db;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Schema migrations run as the schema owner; the service itself connects as {@link #appRole()}. */
@ConfigMapping(prefix = "warden.db")
public interface DbConfig {

    /** The role the service connects as at run time; it owns nothing and is subject to Row-Level Security. */
    @WithDefault("warden_app")
    String appRole();

    /**
     * How long a transaction may take to get a connection and have PostgreSQL answer its {@code BEGIN} (see
     * {@link TenantDb}): what a database that stops answering without closing anything costs a request before its 503.
     */
    @WithDefault("10s")
    Duration startTimeout();

    Migration migration();

    interface Migration {

        /**
         * Whether the service migrates its schema as it starts, with the owner's credentials: only in dev and test.
         * Elsewhere {@link MigrateMain} does it in a step of its own and the service never holds them.
         */
        @WithDefault("false")
        boolean atStart();

        /** JDBC URL of the service's database. */
        Optional<String> url();

        /** The schema owner. */
        Optional<String> username();

        Optional<String> password();
    }
}
