package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTPRoute means what deploy/routes.json means, for the committed table and for one with all five services. */
class RoutesTest {

    @Test
    void everyRouteOfTheTableHasARuleWithTheSameMeaningInTheSameOrder() {
        RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));
        assertSameMeaning(table, httpRoute(Yaml.documents(Yaml.k8s().resolve("base/gateway.yaml"))));
    }

    @Test
    void aTableWithPatternsAndNewServicesGetsItsManifestsWithNoChangeToTheGenerator(@TempDir Path root)
            throws IOException {
        Files.createDirectories(root.resolve("deploy"));
        try (InputStream in = getClass().getResourceAsStream("/routes-five-services.json")) {
            Files.copy(in, root.resolve("deploy/routes.json"));
        }
        var files = Generate.render(root);
        RoutingTable table = RoutingTable.load(root.resolve("deploy/routes.json"));
        for (String service : table.services().keySet()) {
            assertTrue(files.containsKey("base/" + service + ".yaml"), service);
            List<ObjectNode> objects = Yaml.documents(files.get("base/" + service + ".yaml"));
            for (ObjectNode object : objects) {
                assertEquals(List.of(), TypedModelTest.check(object, TypedModelTest.TYPED.get(object.path("kind").asText())));
            }
            SecurityTest.assertLockedDown(OverlaysTest.workload(objects, service), service);
            assertTrue(Yaml.documents(files.get("platform/postgres.yaml")).stream()
                    .anyMatch(o -> o.at("/spec/name").asText().equals(Names.database(service))), service);
        }
        JsonNode route = httpRoute(Yaml.documents(files.get("base/gateway.yaml")));
        assertEquals("RegularExpression", route.at("/spec/rules/0/matches/0/path/type").asText());
        assertEquals("/v1/agents/[^/]+/run/?", route.at("/spec/rules/0/matches/0/path/value").asText());
        assertSameMeaning(table, route);

        List<ObjectNode> runner = Yaml.documents(files.get("base/runner-service.yaml"));
        assertTrue(OverlaysTest.find(runner, "ServiceAccount", "runner-service").path("automountServiceAccountToken")
                .asBoolean());
        assertFalse(runner.stream().anyMatch(o -> o.path("kind").asText().startsWith("Role")),
                "runner-service's Role is in the runs' namespace, never beside Warden's Secrets");
        List<ObjectNode> runs = Yaml.documents(files.get("runs/runs.yaml"));
        JsonNode role = OverlaysTest.find(runs, "Role", "runner-service");
        assertEquals(Names.RUNS_NAMESPACE, role.at("/metadata/namespace").asText());
        JsonNode binding = OverlaysTest.find(runs, "RoleBinding", "runner-service");
        assertEquals(Names.RUNS_NAMESPACE, binding.at("/metadata/namespace").asText());
        assertEquals(Names.NAMESPACE, binding.at("/subjects/0/namespace").asText());
        assertEquals(Names.RUNS_NAMESPACE, OverlaysTest.find(runner, "ConfigMap", "runner-service-config")
                .at("/data/WARDEN_RUNNER_NAMESPACE").asText());
        JsonNode rules = role.path("rules");
        List<String> granted = new ArrayList<>();
        rules.forEach(rule -> rule.path("resources").forEach(r -> rule.path("verbs")
                .forEach(v -> granted.add(rule.at("/apiGroups/0").asText() + "/" + r.asText() + ":" + v.asText()))));
        assertEquals(List.of("batch/jobs:create", "batch/jobs:get", "batch/jobs:list", "batch/jobs:delete",
                "/pods:get", "/pods:list", "/pods/log:get"), granted);
        assertFalse(Yaml.documents(files.get("base/fleet-service.yaml")).stream()
                .anyMatch(o -> o.path("kind").asText().startsWith("Role")));
    }

    /**
     * What answers when an agent's run ends (up to the enterprise tier's 600 s) or streams without end (an execution's
     * log, the fleet's and the registry's live views) has no request timeout at the cluster's gateway: Envoy's default
     * of 15 s cut both. Everything else keeps the implementation's default.
     */
    @Test
    void runsAndStreamsHaveNoRequestTimeoutAtTheClustersGateway() {
        JsonNode route = httpRoute(Yaml.documents(Yaml.k8s().resolve("base/gateway.yaml")));
        java.util.Map<String, String> timeouts = new java.util.TreeMap<>();
        route.at("/spec/rules").forEach(rule -> timeouts.put(rule.at("/matches/0/path/value").asText(),
                rule.at("/timeouts/request").asText()));
        for (String streaming : List.of("/v1/agents/[^/]+/run/?", "/v1/agents/[^/]+/executions/?", "/v1/executions",
                "/v1/fleet", "/v1/registry")) {
            assertEquals("0s", timeouts.get(streaming), streaming);
        }
        assertEquals("", timeouts.get("/v1/agents"));
        assertEquals("", timeouts.get("/v1/audit"));
    }

    /** Each service's OpenAPI document (/q/openapi on every service) is /openapi/<service> at the cluster's gateway. */
    @Test
    void everyServicesDocumentIsRoutedToItsOwnOpenApiPath() {
        RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));
        for (String service : table.services().keySet()) {
            assertTrue(table.routes().stream().anyMatch(r -> r.path().equals("/openapi/" + service)
                    && r.service().equals(service) && "/q/openapi".equals(r.rewrite())), service);
        }
    }

    @Test
    void aTableTheGatewayApiWouldReadDifferentlyIsRefused() {
        var shadowedPrefix = new RoutingTable(java.util.Map.of("a", 1, "b", 2), List.of(
                new RoutingTable.Route(RoutingTable.Match.PREFIX, "/v1", "a"),
                new RoutingTable.Route(RoutingTable.Match.PREFIX, "/v1/x", "b")));
        assertThrows(IllegalArgumentException.class, () -> GatewayRoutes.of(shadowedPrefix));
        var shadowedPattern = new RoutingTable(java.util.Map.of("a", 1, "b", 2), List.of(
                new RoutingTable.Route(RoutingTable.Match.PREFIX, "/v1/agents", "a"),
                new RoutingTable.Route(RoutingTable.Match.PATTERN, "/v1/agents/*/run", "b")));
        assertThrows(IllegalArgumentException.class, () -> GatewayRoutes.of(shadowedPattern));
    }

    @Test
    void aPatternBecomesARegexThatMatchesExactlyOneSegmentPerStar() {
        Pattern regex = Pattern.compile(RoutingTable.patternRegex("/v1/agents/*/run"));
        assertTrue(regex.matcher("/v1/agents/42/run").matches());
        assertTrue(regex.matcher("/v1/agents/42/run/").matches());
        assertFalse(regex.matcher("/v1/agents/run").matches());
        assertFalse(regex.matcher("/v1/agents/4/2/run").matches());
        assertFalse(regex.matcher("/v1/agents/42/run/x").matches());
        assertEquals("/v1/a\\.b/[^/]+/?", RoutingTable.patternRegex("/v1/a.b/*"));
    }

    @Test
    void aTableOfMoreRoutesThanAnHttpRouteTakesIsSpreadOverSeveralThatMeanTheSame() {
        List<RoutingTable.Route> routes = new ArrayList<>();
        for (char c = 'a'; c < 'a' + 20; c++) {
            routes.add(new RoutingTable.Route(RoutingTable.Match.PREFIX, "/v1/" + c, c % 2 == 0 ? "x" : "y"));
        }
        RoutingTable table = new RoutingTable(java.util.Map.of("x", 1, "y", 2), routes);
        List<ObjectNode> objects = GatewayRoutes.of(table).stream()
                .map(o -> (ObjectNode) Yaml.MAPPER.valueToTree(o)).toList();

        List<ObjectNode> httpRoutes = objects.stream().filter(o -> o.path("kind").asText().equals("HTTPRoute")).toList();
        assertEquals(List.of("warden", "warden-2"), httpRoutes.stream().map(o -> o.at("/metadata/name").asText()).toList());
        assertEquals(16, httpRoutes.get(0).at("/spec/rules").size());
        assertEquals(4, httpRoutes.get(1).at("/spec/rules").size());
        assertSameMeaning(table, httpRoute(objects));
    }

    /** The HTTPRoutes' rules in order, as one route. */
    static JsonNode httpRoute(List<ObjectNode> objects) {
        List<ObjectNode> routes = objects.stream().filter(o -> o.path("kind").asText().equals("HTTPRoute")).toList();
        assertFalse(routes.isEmpty());
        ObjectNode merged = routes.get(0).deepCopy();
        var rules = ((ObjectNode) merged.get("spec")).putArray("rules");
        routes.forEach(r -> {
            assertTrue(r.at("/spec/rules").size() <= GatewayRoutes.RULES_PER_ROUTE, "an HTTPRoute takes 16 rules at most");
            r.at("/spec/rules").forEach(rules::add);
        });
        return merged;
    }

    /**
     * Rule i is route i (PathPrefix with the prefix, RegularExpression with the route's regex, to the route's service
     * and port), and for sample paths from every route the Gateway API's precedence (a regex before any prefix, then
     * the longest prefix; what the common implementations do) picks the service that first-match-wins picks.
     */
    static void assertSameMeaning(RoutingTable table, JsonNode route) {
        JsonNode rules = route.at("/spec/rules");
        assertEquals(table.routes().size(), rules.size());
        for (int i = 0; i < table.routes().size(); i++) {
            RoutingTable.Route r = table.routes().get(i);
            JsonNode path = rules.get(i).at("/matches/0/path");
            boolean prefix = r.match() == RoutingTable.Match.PREFIX;
            assertEquals(prefix ? "PathPrefix" : "RegularExpression", path.path("type").asText(), r.path());
            assertEquals(prefix ? r.prefix() : r.regex(), path.path("value").asText(), r.path());
            assertEquals(r.service(), rules.get(i).at("/backendRefs/0/name").asText());
            assertEquals(table.services().get(r.service()).intValue(), rules.get(i).at("/backendRefs/0/port").asInt());
            assertEquals(r.timeout() == null ? "" : r.timeout(), rules.get(i).at("/timeouts/request").asText(), r.path());
            // A rewrite replaces the whole path, as the local gateway does; no other route changes what is asked
            assertEquals(r.rewrite() == null ? "" : "URLRewrite ReplaceFullPath " + r.rewrite(), r.rewrite() == null
                    ? rules.get(i).at("/filters").asText() : rules.get(i).at("/filters/0/type").asText() + " "
                    + rules.get(i).at("/filters/0/urlRewrite/path/type").asText() + " "
                    + rules.get(i).at("/filters/0/urlRewrite/path/replaceFullPath").asText(), r.path());
        }
        for (String sample : samples(table)) {
            assertEquals(firstMatch(table, sample), gatewayMatch(rules, sample), sample);
        }
    }

    private static List<String> samples(RoutingTable table) {
        List<String> samples = new ArrayList<>(List.of("/", "/v1", "/v1/unknown", "/q/health"));
        for (RoutingTable.Route r : table.routes()) {
            String base = r.match() == RoutingTable.Match.PREFIX ? r.prefix()
                    : r.path().replace("*", "42").replace("[0-9]+", "7");
            samples.addAll(List.of(base, base + "/", base + "/x", base + "/x/run", base + "x", base + "/42/run",
                    base + "/42/executions"));
        }
        return samples;
    }

    private static Optional<String> firstMatch(RoutingTable table, String path) {
        return table.routes().stream().filter(r -> switch (r.match()) {
            case PREFIX -> r.prefix().equals("/") || path.equals(r.prefix()) || path.startsWith(r.prefix() + "/");
            case REGEX, PATTERN -> Pattern.compile(r.regex()).matcher(path).matches();
        }).map(RoutingTable.Route::service).findFirst();
    }

    private static Optional<String> gatewayMatch(JsonNode rules, String path) {
        String best = null;
        int bestLength = -1;
        for (JsonNode rule : rules) {
            JsonNode match = rule.at("/matches/0/path");
            String value = match.path("value").asText();
            String service = rule.at("/backendRefs/0/name").asText();
            if (match.path("type").asText().equals("RegularExpression")) {
                if (Pattern.compile(value).matcher(path).matches()) {
                    return Optional.of(service);
                }
            } else if ((value.equals("/") || path.equals(value) || path.startsWith(value + "/"))
                    && value.length() > bestLength) {
                best = service;
                bestLength = value.length();
            }
        }
        return Optional.ofNullable(best);
    }
}
