package dev.warden.tenancy.db;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The migration step of a service, run before it starts and without starting it:
 * <pre>java -cp 'quarkus-app/app/*:quarkus-app/lib/boot/*:quarkus-app/lib/main/*' dev.warden.tenancy.db.MigrateMain</pre>
 * It reads {@code WARDEN_DB_MIGRATION_URL} (JDBC), {@code WARDEN_DB_OWNER_USER}, {@code WARDEN_DB_OWNER_PASSWORD}
 * and {@code WARDEN_DB_APP_USER} (the runtime role to grant to, default {@code warden_app}) from the environment,
 * applies the service's migrations (those on the class path) as the schema owner, and exits: 0 when the schema is
 * current, 1 when migrating failed, 2 when a variable is missing (each one named). The launcher runs it before each
 * service; on Kubernetes it is the service's init container, with the owner's Secret that the service never sees.
 */
public final class MigrateMain {

    private MigrateMain() {
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv()));
    }

    /** Runs the step with {@code env} as its environment; answers its exit code. */
    public static int run(Map<String, String> env) {
        logToStandardOutput();
        List<String> missing = new ArrayList<>();
        String url = required(env, "WARDEN_DB_MIGRATION_URL", missing);
        String owner = required(env, "WARDEN_DB_OWNER_USER", missing);
        String password = required(env, "WARDEN_DB_OWNER_PASSWORD", missing);
        if (!missing.isEmpty()) {
            System.err.println("Cannot migrate: missing " + String.join(", ", missing));
            return 2;
        }
        try {
            Migrations.migrate(url, owner, password, env.getOrDefault("WARDEN_DB_APP_USER", "warden_app"));
            return 0;
        } catch (RuntimeException e) {
            System.err.println("Migrating " + url + " failed: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Logging for this plain JVM, INFO and above to standard output, which the launcher writes into the service's log
     * and Kubernetes keeps as the init container's. Left as it comes, the Quarkus handler on the class path queues
     * every record until a Quarkus application configures logging, which never happens here: every line of Flyway's
     * was lost, a migration's own WARNINGs among them (V11_1 names each organization it renames).
     */
    private static final SimpleFormatter PLAIN = new SimpleFormatter();

    static void logToStandardOutput() {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        root.setLevel(Level.INFO);
        PrintStream out = System.out;
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (isLoggable(record)) {
                    // JBoss Logging's records format their own (printf or MessageFormat) parameters
                    String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage()
                            : PLAIN.formatMessage(record);
                    out.printf("%1$tT %2$-7s [%3$s] %4$s%n", record.getMillis(), record.getLevel(), record.getLoggerName(),
                            message);
                    out.flush();
                }
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public void close() {
                flush();
            }
        });
    }

    private static String required(Map<String, String> env, String name, List<String> missing) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            missing.add(name);
        }
        return value;
    }
}
