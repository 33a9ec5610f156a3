package dev.warden.agent.support;

import dev.warden.testing.WardenTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

import java.util.List;
import java.util.Map;

/**
 * The service reaches PostgreSQL and Kafka through proxies a test can cut (WardenInfra.postgresProxy(), kafkaProxy()):
 * outages are real for this service while the shared servers keep running. Its own profile, so no other test runs
 * while a dependency is cut.
 */
public class CuttableInfraProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(
                new TestResourceEntry(WardenTestResource.class,
                        Map.of("database", "warden_agent_test", "cuttable", "true")),
                new TestResourceEntry(OidcWiremockTestResource.class));
    }

    /** The periodic database work (outbox metrics, API key use) runs often enough to meet every outage too. */
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("warden.metrics.outbox-interval", "100ms", "warden.api-keys.flush-interval", "200ms");
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }
}
