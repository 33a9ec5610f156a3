package dev.warden.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The test profile of a service's outage tests: the service reaches a PostgreSQL server of their own
 * ({@link WardenInfra#outagePostgres()}, which they may stop) and the shared broker through proxies they can cut
 * ({@link WardenInfra#postgresProxy()}, {@link WardenInfra#kafkaProxy()}), so outages are real for this service while
 * the shared servers keep serving every other test. Its own profile, so no other test runs while a dependency is down.
 * A service subclasses it with its database name and its other test resources.
 */
public abstract class OutageProfile implements QuarkusTestProfile {

    private final String database;
    private final String kafkaPrincipal;
    private final List<TestResourceEntry> others;

    /** {@code kafkaPrincipal}: the service whose Kafka principal it connects as (see WardenTestResource). */
    protected OutageProfile(String database, String kafkaPrincipal, TestResourceEntry... others) {
        this.database = database;
        this.kafkaPrincipal = kafkaPrincipal;
        this.others = List.of(others);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        List<TestResourceEntry> resources = new ArrayList<>(others);
        resources.addFirst(new TestResourceEntry(WardenTestResource.class,
                Map.of("database", database, "cuttable", "true", "kafka-principal", kafkaPrincipal)));
        return resources;
    }

    /** The module's own resources would reach the servers directly. */
    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }

    /**
     * The periodic database work (outbox metrics, API key use) runs often enough to meet every outage too, and a
     * database that stops answering costs a request 3 s before its 503 (warden.db.start-timeout, 10 s by default), and a
     * leader job 3 s before it drops the connection (warden.outbox.leader-read-timeout, 30 s by default).
     */
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("warden.metrics.outbox-interval", "100ms", "warden.api-keys.flush-interval", "200ms",
                "warden.db.start-timeout", "3s", "warden.outbox.leader-read-timeout", "3s");
    }
}
