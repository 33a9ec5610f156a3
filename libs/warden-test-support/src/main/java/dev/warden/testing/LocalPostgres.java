package dev.warden.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

/**
 * A real PostgreSQL server run from the embedded binaries, or an existing one named by a JDBC URL.
 * It hands out one database per service and the non-owning runtime role that services connect as.
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String APP_ROLE = "warden_app";
    /** Connections the server takes: every service's pool and the launcher's, with room for an operator's psql. */
    private static final String MAX_CONNECTIONS = "300";

    private final Path dataDir;
    private final String host;
    private final int port;
    private final String superUser;
    private final String superPassword;
    private final String appPassword;
    private final boolean durable;
    /** Where the server writes its log; null: to this JVM's (tests). */
    private final Path log;
    private EmbeddedPostgres embedded;

    private LocalPostgres(EmbeddedPostgres embedded, Path dataDir, boolean durable, String host, int port,
                          String superUser, String superPassword, String appPassword, Path log) {
        this.embedded = embedded;
        this.log = log;
        this.durable = durable;
        this.dataDir = dataDir;
        this.host = host;
        this.port = port;
        this.superUser = superUser;
        this.superPassword = superPassword;
        this.appPassword = appPassword;
    }

    /**
     * Starts PostgreSQL with its data in {@code dataDir}; data survives a restart in the same folder. Commits return
     * before their WAL is flushed (the embedded default, {@code synchronous_commit=off}): for tests, whose data is
     * thrown away.
     */
    public static LocalPostgres start(Path dataDir, int port, String appPassword) {
        return start(dataDir, port, appPassword, false);
    }

    /**
     * As {@link #start(Path, int, String)}; {@code durable}: a commit returns only once its WAL is on disk
     * ({@code synchronous_commit=on}), so a server killed at any moment loses nothing it acknowledged.
     */
    public static LocalPostgres start(Path dataDir, int port, String appPassword, boolean durable) {
        EmbeddedPostgres pg = launch(dataDir, port, durable, "postgres", null);
        LocalPostgres local = new LocalPostgres(pg, dataDir, durable, "127.0.0.1", pg.getPort(), "postgres", "postgres",
                appPassword, null);
        local.ensureAppRole();
        return local;
    }

    /**
     * As {@link #start(Path, int, String, boolean)}, for a server others on the machine may reach (the launcher's):
     * every connection, over TCP or the local socket, logs in with a password (SCRAM), the superuser's being
     * {@code superPassword}. The embedded server is made with {@code trust} for everyone, so that any local user
     * connected as the superuser without a password, and could switch the audit chain's triggers off. A data folder
     * made that way is changed at its next start. The server's own output (its log: recovery, errors, what it refused)
     * is appended to {@code log}, across restarts.
     */
    public static LocalPostgres start(Path dataDir, int port, String appPassword, String superPassword, boolean durable,
                                      Path log) {
        EmbeddedPostgres pg = launch(dataDir, port, durable, superPassword, log);
        LocalPostgres local = new LocalPostgres(pg, dataDir, durable, "127.0.0.1", pg.getPort(), "postgres",
                superPassword, appPassword, log);
        local.requirePasswords();
        local.ensureAppRole();
        return local;
    }

    /** Who may connect, and how: only with a password. */
    static final String PASSWORDS_ONLY = """
            # Written by LocalPostgres.requirePasswords: every connection logs in with a password (SCRAM).
            local all all scram-sha-256
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256
            """;

    private void requirePasswords() {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), superUser, superPassword);
             Statement statement = c.createStatement()) {
            statement.execute("SET password_encryption = 'scram-sha-256'");
            statement.execute("ALTER ROLE " + superUser + " PASSWORD '" + superPassword.replace("'", "''") + "'");
            Files.writeString(dataDir.resolve("pg_hba.conf"), PASSWORDS_ONLY);
            // The server runs with the connections it was started with; written in its configuration too, so that
            // the reload below does not read initdb's 100 there and log that the file "contains errors".
            statement.execute("ALTER SYSTEM SET max_connections = " + MAX_CONNECTIONS);
            statement.execute("SELECT pg_reload_conf()");
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("could not make PostgreSQL in " + dataDir + " require passwords: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Stops the server as an operator does ({@code pg_ctl stop}, fast mode: every session is told FATAL 57P01 and
     * closed); {@link #startServer()} starts it again with the same data on the same port. Only for a server this JVM
     * started for one test's own use: the shared one serves every test class.
     */
    public synchronized void stopServer() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            embedded = null;
        }
    }

    public synchronized void startServer() {
        if (embedded == null && dataDir != null) {
            embedded = launch(dataDir, port, durable, superPassword, log);
        }
    }

    /** The running server's postmaster, read from its {@code postmaster.pid}; empty when none runs. */
    public Optional<ProcessHandle> postmaster() {
        if (dataDir == null) {
            return Optional.empty(); // an existing server, not run by this
        }
        try {
            String pid = Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim();
            return ProcessHandle.of(Long.parseLong(pid));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * Starts the server again after it died (killed, or crashed): same data, same port; PostgreSQL recovers from its
     * WAL as it starts. Tries until {@code within} has passed: the old server's backends leave when they notice their
     * postmaster is gone, and until then its shared memory is still in use and a new server refuses to start.
     */
    public synchronized void restartAfterCrash(Duration within) {
        if (embedded != null) {
            try {
                embedded.close(); // pg_ctl stop on a dead server: nothing to stop, said in its own log
            } catch (IOException | RuntimeException nothingToStop) {
                // the server is gone already
            }
            embedded = null;
        }
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try {
                startServer();
                return;
            } catch (UncheckedIOException | IllegalStateException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw refused;
                }
            }
        }
    }

    /** {@code password}: the superuser's, for the server's own readiness check (ignored while it trusts everyone). */
    private static EmbeddedPostgres launch(Path dataDir, int port, boolean durable, String password, Path log) {
        try {
            Files.createDirectories(dataDir);
            // The binaries are unpacked into a folder the library makes writable by everyone, and reused at the next
            // start when they look whole: inside a folder only the owner may enter, so that no other user of the
            // machine can plant a pg_ctl the next start would run (a security trial could, in .warden/postgres-work)
            Path owned = dataDir.resolveSibling(dataDir.getFileName() + "-work");
            Files.createDirectories(owned);
            Files.setPosixFilePermissions(owned, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Path work = Files.createDirectories(owned.resolve("binaries"));
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (password != null) {
                builder.setConnectConfig("password", password);
            }
            if (log != null) {
                builder.setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
            }
            return builder
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(work.toFile())
                    .setServerConfig("max_connections", MAX_CONNECTIONS)
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", durable ? "on" : "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL in " + dataDir, e);
        }
    }

    /** Uses an existing server: {@code jdbc:postgresql://host:port/db} with a superuser. */
    public static LocalPostgres existing(String jdbcUrl, String superUser, String superPassword, String appPassword) {
        String rest = jdbcUrl.substring("jdbc:postgresql://".length());
        String hostPort = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
        String host = hostPort.contains(":") ? hostPort.substring(0, hostPort.indexOf(':')) : hostPort;
        int port = hostPort.contains(":") ? Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1)) : 5432;
        LocalPostgres local = new LocalPostgres(null, null, false, host, port, superUser, superPassword, appPassword, null);
        local.ensureAppRole();
        return local;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String superUser() {
        return superUser;
    }

    public String superPassword() {
        return superPassword;
    }

    public String appPassword() {
        return appPassword;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public String reactiveUrl(String database) {
        return "postgresql://" + host + ":" + port + "/" + database;
    }

    /** Creates the database if it is missing; with {@code fresh} an existing one is dropped first. */
    public void ensureDatabase(String database, boolean fresh) {
        ensureDatabase(database, fresh, APP_ROLE);
    }

    /**
     * As {@link #ensureDatabase(String, boolean)}, for the runtime role {@code role}: it may connect (its migrations
     * then make the database its alone, and grant it what it may do there).
     */
    public void ensureDatabase(String database, boolean fresh, String role) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), superUser, superPassword);
             Statement s = c.createStatement()) {
            if (fresh) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + database);
            }
            s.execute("GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " + role);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + database, e);
        }
    }

    /**
     * Ends every session of the runtime role on {@code database} the way a server shutdown does: each backend answers
     * its client FATAL 57P01 ("terminating connection due to administrator command") and closes. Returns how many.
     */
    public int terminateAppSessions(String database) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), superUser, superPassword);
             var s = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     + " WHERE datname = ? AND usename = ?")) {
            s.setString(1, database);
            s.setString(2, APP_ROLE);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not terminate the sessions on " + database, e);
        }
    }

    /**
     * Whether a session on {@code database} waits for a lock in a statement that contains {@code statementPart}: the
     * marker a test that holds a lock waits for, to know the work it meant to stop has reached it.
     */
    public boolean waitsForALock(String database, String statementPart) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), superUser, superPassword);
             var s = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = ?"
                     + " AND wait_event_type = 'Lock' AND strpos(query, ?) > 0")) {
            s.setString(1, database);
            s.setString(2, statementPart);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the sessions of " + database, e);
        }
    }

    /**
     * Creates a runtime role {@code role} (a plain identifier) with {@code password}, or sets the password of the one
     * there is: it owns nothing and cannot bypass Row-Level Security.
     */
    public void ensureRole(String role, String password) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), superUser, superPassword);
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'");
            String verb = rs.next() ? "ALTER" : "CREATE";
            s.execute(verb + " ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '"
                    + password.replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the runtime role " + role, e);
        }
    }

    private void ensureAppRole() {
        ensureRole(APP_ROLE, appPassword);
    }

    @Override
    public void close() {
        stopServer();
    }
}
