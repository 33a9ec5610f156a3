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

/**
 * A real PostgreSQL server run from the embedded binaries, or an existing one named by a JDBC URL.
 * It hands out one database per service and the non-owning runtime role that services connect as.
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String APP_ROLE = "warden_app";

    private final EmbeddedPostgres embedded;
    private final String host;
    private final int port;
    private final String superUser;
    private final String superPassword;
    private final String appPassword;

    private LocalPostgres(EmbeddedPostgres embedded, String host, int port, String superUser, String superPassword,
                          String appPassword) {
        this.embedded = embedded;
        this.host = host;
        this.port = port;
        this.superUser = superUser;
        this.superPassword = superPassword;
        this.appPassword = appPassword;
    }

    /** Starts PostgreSQL with its data in {@code dataDir}; data survives a restart in the same folder. */
    public static LocalPostgres start(Path dataDir, int port, String appPassword) {
        try {
            Files.createDirectories(dataDir);
            Path work = dataDir.resolveSibling(dataDir.getFileName() + "-work");
            Files.createDirectories(work);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(work.toFile())
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "on")
                    .start();
            LocalPostgres local = new LocalPostgres(pg, "127.0.0.1", pg.getPort(), "postgres", "postgres", appPassword);
            local.ensureAppRole();
            return local;
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
        LocalPostgres local = new LocalPostgres(null, host, port, superUser, superPassword, appPassword);
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
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), superUser, superPassword);
             Statement s = c.createStatement()) {
            if (fresh) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + database);
            }
            s.execute("GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " + APP_ROLE);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + database, e);
        }
    }

    private void ensureAppRole() {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), superUser, superPassword);
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + APP_ROLE + "'");
            String verb = rs.next() ? "ALTER" : "CREATE";
            // The runtime role owns nothing and cannot bypass Row-Level Security.
            s.execute(verb + " ROLE " + APP_ROLE + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '"
                    + appPassword.replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the application role", e);
        }
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
