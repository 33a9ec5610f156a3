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
    void aPatternsStarIsExactlyOneSegmentOfAWholePath() {
        RoutingTable table = RoutingTable.parse("""
                {"services": {"agent-service": {"port": 8081}, "runner-service": {"port": 8082}},
                 "routes": [
                   {"match": "pattern", "path": "/v1/agents/*/run", "service": "runner-service"},
                   {"match": "prefix", "path": "/v1/agents", "service": "agent-service"}
                 ]}
                """);
        assertEquals(Optional.of("runner-service"), table.match("/v1/agents/42/run").map(Route::service));
        assertEquals(Optional.of("runner-service"), table.match("/v1/agents/42/run/").map(Route::service));
        assertEquals(Optional.of("agent-service"), table.match("/v1/agents/run").map(Route::service));
        assertEquals(Optional.of("agent-service"), table.match("/v1/agents/4/2/run").map(Route::service));
        assertEquals(Optional.of("agent-service"), table.match("/v1/agents/42/runs").map(Route::service));
        assertEquals(Optional.of("agent-service"), table.match("/v1/agents/42/run/x").map(Route::service));
        assertEquals(Optional.of("agent-service"), table.match("/v1/agents/42").map(Route::service));
        // Regex characters in a pattern are literal; the regex Kubernetes gets means the same.
        assertEquals("/v1/agents/[^/]+/run/?", Route.patternRegex("/v1/agents/*/run"));
        assertEquals("/a\\.b/[^/]+/?", Route.patternRegex("/a.b/*"));
        assertTrue(Route.pattern("/a.b/*", "x").matches("/a.b/1"));
        assertEquals(false, Route.pattern("/a.b/*", "x").matches("/axb/1"));
        // A star inside a segment stands for at least one character of it; without a star the path is literal.
        assertTrue(Route.pattern("/a/*x*/b", "x").matches("/a/1x2/b"));
        assertEquals(false, Route.pattern("/a/*x*/b", "x").matches("/a/x2/b"));
        assertEquals(false, Route.pattern("/a/*x*/b", "x").matches("/a/1x2/c/b"));
        assertTrue(Route.pattern("/a/b", "x").matches("/a/b"));
        assertEquals(false, Route.pattern("/a/b", "x").matches("/a/bc"));
        assertThrows(IllegalArgumentException.class, () -> RoutingTable.parse("""
                {"services": {"a": {"port": 1}}, "routes": [{"match": "pattern", "path": "x/*", "service": "a"}]}"""));
    }

    @Test
    void readsTheRepositoryTable() {
        RoutingTable table = RoutingTable.load(Path.of("../deploy/routes.json"));
        assertTrue(table.servicePorts().containsKey("agent-service"));
        assertEquals(Optional.of("agent-service"), table.match("/v1/agents/1").map(Route::service));
        // Seed 001's /run is served by runner-service; the rest of /v1/agents/** by agent-service.
        assertEquals(Optional.of("runner-service"), table.match("/v1/agents/1/run").map(Route::service));
        assertEquals(Optional.of("runner-service"), table.match("/v1/agents/1/executions").map(Route::service));
        assertEquals(Optional.of("runner-service"), table.match("/v1/executions/1").map(Route::service));
        assertEquals(Optional.of("agent-service"), table.match("/v1/agents/1/rollback").map(Route::service));
        // Each service's OpenAPI document through the gateway
        for (String service : table.servicePorts().keySet()) {
            Route route = table.match("/openapi/" + service).orElseThrow();
            assertEquals(service, route.service());
            assertEquals("/q/openapi?format=json", route.uriFor("/openapi/" + service + "?format=json"));
        }
    }

    @Test
    void aRewriteIsAPath() {
        assertThrows(IllegalArgumentException.class, () -> RoutingTable.parse("""
                {"services": {"a": {"port": 1}},
                 "routes": [{"match": "pattern", "path": "/x", "service": "a", "rewrite": "q/openapi"}]}"""));
        assertEquals("/v1/x?a=1", Route.prefix("/v1", "a").uriFor("/v1/x?a=1"), "no rewrite: as asked");
    }
}
