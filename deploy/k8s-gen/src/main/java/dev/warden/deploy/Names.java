package dev.warden.deploy;

import java.util.Locale;
import java.util.Map;

/** The names every object of one installation shares: the same rules as the launcher's ServiceEnv. */
public final class Names {

    public static final String NAMESPACE = "warden";
    /** Where agents run (runner-service's Jobs), apart from Warden's own objects and Secrets: {@link Runs}. */
    public static final String RUNS_NAMESPACE = "warden-runs";
    public static final String KAFKA = "warden-kafka";
    public static final String POSTGRES = "warden-postgres";
    public static final String KEYCLOAK = "warden-keycloak";
    public static final String GATEWAY = "warden";
    public static final String REALM = "warden";
    /** The audience every access token of the realm's Warden clients carries, and the services require. */
    public static final String OIDC_AUDIENCE = "warden";
    public static final String PLATFORM_SECRET = "warden-platform";
    /** The CA that signed Keycloak's certificate (key {@code ca.crt}), which every service trusts for its OIDC calls. */
    public static final String KEYCLOAK_CA_SECRET = "warden-keycloak-ca";
    /** The SCRAM listener of the Kafka cluster, TLS with the cluster CA. */
    public static final int KAFKA_PORT = 9093;
    public static final int POSTGRES_PORT = 5432;
    public static final int KEYCLOAK_PORT = 8443;
    public static final String IMAGE_REPOSITORY = "warden/";
    public static final String IMAGE_TAG = "0.1.0-SNAPSHOT";
    public static final String RUNNER = "runner-service";
    public static final String KEY_OWNER = "agent-service";
    public static final String AUDIT_SIGNER = "audit-service";

    /** Labels shared by every object of one service. */
    public static Map<String, String> labels(String service) {
        return Map.of("app.kubernetes.io/name", service, "app.kubernetes.io/part-of", "warden");
    }

    public static Map<String, String> selector(String service) {
        return Map.of("app.kubernetes.io/name", service);
    }

    /** agent-service -> agent */
    public static String shortName(String service) {
        return service.endsWith("-service") ? service.substring(0, service.length() - "-service".length()) : service;
    }

    /** agent-service -> warden_agent */
    public static String database(String service) {
        return "warden_" + shortName(service).replace('-', '_');
    }

    /** agent-service -> warden_agent_owner: the schema owner, used only by the migration step. */
    public static String ownerRole(String service) {
        return database(service) + "_owner";
    }

    /**
     * agent-service -> warden_agent_app: the runtime role the service connects as (owns nothing, NOBYPASSRLS), its
     * alone, and no other Warden service's database admits it (the shared migration V0_7), as the launcher's.
     */
    public static String appRole(String service) {
        return database(service) + "_app";
    }

    /** agent-service -> agent-service-db-app: the runtime role's basic-auth Secret (CloudNativePG managed role). */
    public static String appSecret(String service) {
        return service + "-db-app";
    }

    /** agent-service -> agent-service-db-owner: the owner's basic-auth Secret (CloudNativePG managed role). */
    public static String ownerSecret(String service) {
        return service + "-db-owner";
    }

    /** agent-service -> WARDEN_AGENT_ */
    public static String envPrefix(String service) {
        return "WARDEN_" + shortName(service).toUpperCase(Locale.ROOT).replace('-', '_') + "_";
    }

    public static String image(String service) {
        return IMAGE_REPOSITORY + service + ":" + IMAGE_TAG;
    }

    /** The Secret the Strimzi User Operator writes for a KafkaUser: its name is the user's. */
    public static String kafkaUserSecret(String service) {
        return service;
    }

    public static String kafkaBootstrap() {
        return KAFKA + "-kafka-bootstrap." + NAMESPACE + ".svc:" + KAFKA_PORT;
    }

    public static String postgresHost() {
        return POSTGRES + "-rw." + NAMESPACE + ".svc";
    }

    public static String oidcUrl() {
        return "https://" + KEYCLOAK + "-service." + NAMESPACE + ".svc:" + KEYCLOAK_PORT + "/realms/" + REALM;
    }

    private Names() {
    }
}
