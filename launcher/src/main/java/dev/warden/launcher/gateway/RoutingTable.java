package dev.warden.launcher.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.PatternSyntaxException;

/**
 * deploy/routes.json, the one routing table of Warden: the services with their ports, and the routes in order (the
 * first match wins). Nothing about routing is hard-coded in the launcher, so a service added there is routed here.
 */
public record RoutingTable(Map<String, Integer> servicePorts, List<Route> routes, Map<String, ObjectNode> errorFields) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RoutingTable {
        servicePorts = Collections.unmodifiableMap(new LinkedHashMap<>(servicePorts));
        routes = List.copyOf(routes);
        errorFields = Map.copyOf(errorFields);
    }

    public RoutingTable(Map<String, Integer> servicePorts, List<Route> routes) {
        this(servicePorts, routes, Map.of());
    }

    /**
     * The fields a service's seed puts beside {@code error} in every error body ({@code "error_fields"} of the service in
     * the table: fleet-service's {@code {"ok": false}}, seed 003), for an error the gateway answers itself on a path
     * that service serves; empty elsewhere.
     */
    public ObjectNode errorFieldsFor(String path) {
        ObjectNode fields = path == null ? null : match(path).map(route -> errorFields.get(route.service())).orElse(null);
        return fields == null ? JSON.createObjectNode() : fields.deepCopy();
    }

    public static RoutingTable load(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the routing table " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static RoutingTable parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        Map<String, ObjectNode> errorFields = new LinkedHashMap<>();
        root.path("services").properties().forEach(service -> {
            int port = service.getValue().path("port").asInt(-1);
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("service " + service.getKey() + " has no valid \"port\"");
            }
            ports.put(service.getKey(), port);
            JsonNode fields = service.getValue().path("error_fields");
            if (fields instanceof ObjectNode object) {
                errorFields.put(service.getKey(), object);
            } else if (!fields.isMissingNode()) {
                throw new IllegalArgumentException("service " + service.getKey() + ": \"error_fields\" must be an object");
            }
        });
        List<Route> routes = new ArrayList<>();
        for (JsonNode node : root.path("routes")) {
            String match = node.path("match").asText();
            String path = node.path("path").asText();
            String service = node.path("service").asText();
            if (!ports.containsKey(service)) {
                throw new IllegalArgumentException("route " + path + " names unknown service \"" + service + "\"");
            }
            try {
                Route route = switch (match) {
                    case "prefix" -> Route.prefix(path, service);
                    case "regex" -> Route.regex(path, service);
                    case "pattern" -> Route.pattern(path, service);
                    default -> throw new IllegalArgumentException("route " + path
                            + ": \"match\" must be \"prefix\", \"regex\" or \"pattern\", not \"" + match + "\"");
                };
                routes.add(node.has("rewrite") ? route.rewritingTo(node.path("rewrite").asText()) : route);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("route " + path + " is not a valid regex: " + e.getDescription(), e);
            }
        }
        return new RoutingTable(ports, routes, errorFields);
    }

    /** The first route, in file order, that matches this request path. */
    public Optional<Route> match(String path) {
        return routes.stream().filter(route -> route.matches(path)).findFirst();
    }
}
