package dev.warden.launcher.stack;

import dev.warden.testing.LocalPostgres;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The environment each service is started with. Every service follows one pattern: its own database
 * {@code warden_<name without -service>} and variables {@code WARDEN_<NAME>_...}, plus settings all services share.
 * The table below is the whole mapping; a new service in routes.json needs no change here.
 */
final class ServiceEnv {

    /** The organization a fresh local installation gets, with an admin key printed at start. */
    static final String DEMO_ORG = "demo";

    /** The service that owns organizations and API keys: it seeds the demo organization and proves the key works. */
    static final String KEY_OWNER = "agent-service";
    static final String KEY_CHECK_PATH = "/v1/agents";

    /** The service that signs audit checkpoints: its Ed25519 key is made once and kept in the data folder. */
    static final String AUDIT_SIGNER = "audit-service";

    /** The service that runs containers: it gets the engine's DOCKER_HOST, when there is one. */
    static final String RUNNER = "runner-service";

    /** What a row's value is computed from. */
    record Context(String service, int port, LocalPostgres postgres, String dbPassword, String kafkaBootstrap,
                   Map<String, String> kafkaSecurity, String platformKeySha256, String demoAdminKey,
                   String auditSigningKeyPair, String dockerHost) {

        String database() {
            return ServiceEnv.database(service);
        }

        String dbRole() {
            return ServiceEnv.dbRole(service);
        }

        boolean ownsKeys() {
            return service.equals(KEY_OWNER);
        }

        /** Half of the audit signing key pair ({@code private.public}), for audit-service only. */
        String auditSigningKey(int half) {
            return service.equals(AUDIT_SIGNER) ? auditSigningKeyPair.split("\\.")[half] : null;
        }
    }

    private record Row(String name, Function<Context, String> value) {
    }

    /** {@code {P}} is the service's prefix, e.g. {@code WARDEN_AGENT_} for agent-service. A null value is left out. */
    private static final List<Row> TABLE = List.of(
            new Row("{P}PORT", c -> String.valueOf(c.port())),
            new Row("{P}DB_URL", c -> c.postgres().reactiveUrl(c.database())),
            new Row("{P}DB_JDBC_URL", c -> c.postgres().jdbcUrl(c.database())),
            // The service's own runtime role: its database's alone, no other service's
            new Row("WARDEN_DB_APP_USER", Context::dbRole),
            new Row("WARDEN_DB_APP_PASSWORD", Context::dbPassword),
            // No schema owner's credentials: the service runs with the runtime role; migrations are a step before.
            new Row("WARDEN_KAFKA_BOOTSTRAP", Context::kafkaBootstrap),
            // The service's own Kafka principal (LocalKafka.grant): Quarkus reads KAFKA_* as kafka.* client settings.
            new Row("KAFKA_SECURITY_PROTOCOL", c -> c.kafkaSecurity().get("security.protocol")),
            new Row("KAFKA_SASL_MECHANISM", c -> c.kafkaSecurity().get("sasl.mechanism")),
            new Row("KAFKA_SASL_JAAS_CONFIG", c -> c.kafkaSecurity().get("sasl.jaas.config")),
            // Only the hash: the platform key itself stays in the data folder.
            new Row("WARDEN_PLATFORM_API_KEY_SHA256", Context::platformKeySha256),
            new Row("WARDEN_BOOTSTRAP_ORG", c -> c.ownsKeys() ? DEMO_ORG : null),
            new Row("WARDEN_BOOTSTRAP_API_KEY", c -> c.ownsKeys() ? c.demoAdminKey() : null),
            new Row("WARDEN_AUDIT_SIGNING_KEY", c -> c.auditSigningKey(0)),
            new Row("WARDEN_AUDIT_SIGNING_PUBLIC_KEY", c -> c.auditSigningKey(1)),
            // The container engine runner-service runs agents with (none: its runs answer 503).
            new Row("DOCKER_HOST", c -> c.service().equals(RUNNER) ? c.dockerHost() : null),
            // Services are reached through the gateway only; nothing else on the network needs to see them.
            new Row("QUARKUS_HTTP_HOST", c -> "127.0.0.1"));

    private ServiceEnv() {
    }

    /** The migration step's environment: the owner's credentials, which the service itself never gets. */
    static Map<String, String> migration(Context context) {
        return Map.of(
                "WARDEN_DB_MIGRATION_URL", context.postgres().jdbcUrl(context.database()),
                "WARDEN_DB_OWNER_USER", context.postgres().superUser(),
                "WARDEN_DB_OWNER_PASSWORD", context.postgres().superPassword(),
                "WARDEN_DB_APP_USER", context.dbRole());
    }

    static Map<String, String> of(Context context) {
        String prefix = prefix(context.service());
        Map<String, String> env = new LinkedHashMap<>();
        for (Row row : TABLE) {
            String value = row.value().apply(context);
            if (value != null) {
                env.put(row.name().replace("{P}", prefix), value);
            }
        }
        return env;
    }

    /** agent-service -> warden_agent */
    static String database(String service) {
        return "warden_" + shortName(service).replace('-', '_');
    }

    /**
     * agent-service -> warden_agent_app: the service's runtime role, which only it connects as and which reaches only
     * its own database (the shared migration V0_7 makes it so).
     */
    static String dbRole(String service) {
        return database(service) + "_app";
    }

    /** agent-service -> WARDEN_AGENT_ */
    static String prefix(String service) {
        return "WARDEN_" + shortName(service).toUpperCase(Locale.ROOT).replace('-', '_') + "_";
    }

    private static String shortName(String service) {
        return service.endsWith("-service") ? service.substring(0, service.length() - "-service".length()) : service;
    }
}
