package dev.warden.tenancy.db;

import dev.warden.tenancy.PlainJvmLogging;

import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

/**
 * The migration step of a service, run before it starts and without starting it:
 * <pre>java -cp 'quarkus-app/app/*:quarkus-app/lib/boot/*:quarkus-app/lib/main/*' dev.warden.tenancy.db.MigrateMain</pre>
 * It reads {@code WARDEN_DB_MIGRATION_URL} (JDBC), {@code WARDEN_DB_OWNER_USER}, {@code WARDEN_DB_OWNER_PASSWORD}
 * and {@code WARDEN_DB_APP_USER} (the runtime role to grant to, default {@code warden_app}) from the environment,
 * and {@code WARDEN_LOG_JSON} as the services do (true: every line it logs is a JSON object),
 * applies the service's migrations (those on the class path) as the schema owner, and exits: 0 when the schema is
 * current, 1 when migrating failed, 2 when a variable is missing (each one named). The launcher runs it before each
 * service; on Kubernetes it is the service's init container, with the owner's Secret that the service never sees.
 */
public final class MigrateMain {

    static {
        // Before anything logs: JBoss LogManager as the JDK's, as in the services. Without it, the JDK's first logger
        // (Runtime.exit's, on JDK 24 and later) made JBoss LogManager print an ERROR that it was not the JDK's manager.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        }
    }

    private static final Logger LOG = Logger.getLogger(MigrateMain.class);

    private MigrateMain() {
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv()));
    }

    /** Runs the step with {@code env} as its environment; answers its exit code. */
    public static int run(Map<String, String> env) {
        // INFO and up to standard output, which the launcher writes into the service's log and Kubernetes keeps as the
        // init container's: Flyway's lines, a migration's WARNINGs among them (V11_1 names each organization it renames)
        PlainJvmLogging.to(System.out, Level.INFO, Boolean.parseBoolean(env.get("WARDEN_LOG_JSON")));
        List<String> missing = new ArrayList<>();
        String url = required(env, "WARDEN_DB_MIGRATION_URL", missing);
        String owner = required(env, "WARDEN_DB_OWNER_USER", missing);
        String password = required(env, "WARDEN_DB_OWNER_PASSWORD", missing);
        if (!missing.isEmpty()) {
            LOG.errorf("Cannot migrate: missing %s", String.join(", ", missing));
            return 2;
        }
        try {
            Migrations.migrate(url, owner, password, env.getOrDefault("WARDEN_DB_APP_USER", "warden_app"));
            return 0;
        } catch (RuntimeException e) {
            LOG.errorf("Migrating %s failed: %s", url, e.getMessage());
            return 1;
        }
    }

    private static String required(Map<String, String> env, String name, List<String> missing) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            missing.add(name);
        }
        return value;
    }
}
