package dev.warden.launcher.gateway;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutingTableTest {

    private static final RoutingTable TABLE = RoutingTable.parse("""
            {"services": {"agent-service": {"port": 8081}, "audit-service": {"port": 8082}, "run-service": {"port": 8083}},
             "routes": [
               {"match": "regex", "path": "/v1/agents/[^/]+/audit(/.*)?", "service": "audit-service"},
               {"match": "prefix", "path": "/v1/agents", "service": "agent-service"},
               {"match": "prefix", "path": "/v1/agents/special", "service": "run-service"},
               {"match": "prefix", "path": "/v1/runs/", "service": "run-service"}
             ]}
            """);

    private static Optional<String> serviceFor(String path) {
        return TABLE.match(path).map(Route::service);
    }

    @Test
    void prefixMatchesWholeSegments() {
        assertEquals(Optional.of("agent-service"), serviceFor("/v1/agents"));
        assertEquals(Optional.of("agent-service"), serviceFor("/v1/agents/42"));
        assertEquals(Optional.empty(), serviceFor("/v1/agentsx"));
        assertEquals(Optional.empty(), serviceFor("/v1"));
        // A trailing slash in the table does not change the prefix.
        assertEquals(Optional.of("run-service"), serviceFor("/v1/runs"));
        assertEquals(Optional.of("run-service"), serviceFor("/v1/runs/7/logs"));
    }

    @Test
    void regexMustMatchTheWholePath() {
        assertEquals(Optional.of("audit-service"), serviceFor("/v1/agents/42/audit"));
        assertEquals(Optional.of("audit-service"), serviceFor("/v1/agents/42/audit/events"));
        assertEquals(Optional.of("agent-service"), serviceFor("/v1/agents/42/auditx"));
    }

    @Test
    void firstMatchWinsInFileOrder() {
        // The broader agent prefix comes first, so the later, narrower one is never reached.
        assertEquals(Optional.of("agent-service"), serviceFor("/v1/agents/special"));
        // The regex comes before the prefix, so it wins where both match.
        assertEquals(Optional.of("audit-service"), serviceFor("/v1/agents/1/audit"));
    }

    @Test
    void refusesRoutesToUnknownServicesAndUnknownMatchKinds() {
        assertThrows(IllegalArgumentException.class, () -> RoutingTable.parse("""
                {"services": {"a": {"port": 1}}, "routes": [{"match": "prefix", "path": "/x", "service": "b"}]}"""));
        assertThrows(IllegalArgumentException.class, () -> RoutingTable.parse("""
                {"services": {"a": {"port": 1}}, "routes": [{"match": "exact", "path": "/x", "service": "a"}]}"""));
        assertThrows(IllegalArgumentException.class, () -> RoutingTable.parse("""
                {"services": {"a": {"port": 1}}, "routes": [{"match": "regex", "path": "/x(", "service": "a"}]}"""));
    }

    @Test
    void readsTheRepositoryTable() {
        RoutingTable table = RoutingTable.load(Path.of("../deploy/routes.json"));
        assertTrue(table.servicePorts().containsKey("agent-service"));
        assertEquals(Optional.of("agent-service"), table.match("/v1/agents/1").map(Route::service));
    }
}
