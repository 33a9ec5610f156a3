package dev.warden.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Gives a Quarkus test a real PostgreSQL database and a real Kafka broker:
 * {@code @QuarkusTestResource(value = WardenTestResource.class, initArgs = @ResourceArg(name = "database", value = "agents"))}.
 * Migrations run as the superuser (the owner); the service connects as the non-owning runtime role.
 */
public class WardenTestResource implements QuarkusTestResourceLifecycleManager {

    private String database = "warden";
    private boolean kafka = true;
    private String kafkaPrincipal;

    /**
     * {@code database}: the database name; {@code kafka=false} when the test brings its own broker;
     * {@code kafka-principal}: the service whose Kafka principal the application connects as, with exactly that
     * service's ACLs ({@link dev.warden.events.KafkaAccess}), so its tests run with the rights it has in production.
     */
    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
        kafka = Boolean.parseBoolean(initArgs.getOrDefault("kafka", "true"));
        kafkaPrincipal = initArgs.get("kafka-principal");
    }

    @Override
    public Map<String, String> start() {
        LocalPostgres pg = WardenInfra.postgres();
        String db = WardenInfra.database(database);
        Map<String, String> config = new java.util.HashMap<>(Map.of(
                "quarkus.datasource.reactive.url", pg.reactiveUrl(db),
                "quarkus.datasource.username", LocalPostgres.APP_ROLE,
                "quarkus.datasource.password", pg.appPassword(),
                "warden.db.migration.url", pg.jdbcUrl(db),
                "warden.db.migration.username", pg.superUser(),
                "warden.db.migration.password", pg.superPassword(),
                "warden.db.app-role", LocalPostgres.APP_ROLE));
        if (kafka) {
            String bootstrap = WardenInfra.kafkaBootstrapServers();
            config.put("kafka.bootstrap.servers", bootstrap);
            Map<String, String> security = kafkaPrincipal != null ? WardenInfra.kafkaSecurity(kafkaPrincipal)
                    : LocalKafka.platformSecurity(bootstrap);
            security.forEach((key, value) -> config.put("kafka." + key, value));
        }
        return config;
    }

    @Override
    public void stop() {
        // The servers are shared by every test class of this JVM and stop with it.
    }
}
