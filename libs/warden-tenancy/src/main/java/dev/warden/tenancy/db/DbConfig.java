package dev.warden.tenancy.db;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Schema migrations run as the schema owner; the service itself connects as {@link #appRole()}. */
@ConfigMapping(prefix = "warden.db")
public interface DbConfig {

    /** The role the service connects as at run time; it owns nothing and is subject to Row-Level Security. */
    @WithDefault("warden_app")
    String appRole();

    Migration migration();

    interface Migration {

        @WithDefault("true")
        boolean atStart();

        /** JDBC URL of the service's database. */
        String url();

        /** The schema owner. */
        String username();

        String password();
    }
}
