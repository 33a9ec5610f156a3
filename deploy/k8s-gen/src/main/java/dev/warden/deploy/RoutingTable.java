package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * deploy/routes.json as the generator reads it: the services with their ports (in file order), and the routes in
 * order (the first match wins). The same file the local gateway (launcher/) routes by.
 */
public record RoutingTable(Map<String, Integer> services, List<Route> routes) {

    public enum Match { PREFIX, REGEX, PATTERN }

    /** A Gateway API duration: 1 to 4 numbers, each with its unit. */
    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("([0-9]{1,5}(h|m|s|ms)){1,4}");

    /**
     * One route; {@link #regex()} is the regular expression that Kubernetes carries for regex and pattern routes;
     * {@code timeout} its HTTPRoute rule's request timeout, or null for the implementation's default; {@code rewrite}
     * the path the service is asked for in place of the whole path (a {@code URLRewrite} filter, {@code ReplaceFullPath}),
     * or null.
     */
    public record Route(Match match, String path, String service, String timeout, String rewrite) {

        public Route(Match match, String path, String service) {
            this(match, path, service, null, null);
        }

        public String regex() {
            return switch (match) {
                case PREFIX -> throw new IllegalStateException("a prefix route has no regex");
                case REGEX -> path;
                case PATTERN -> patternRegex(path);
            };
        }

        /** The prefix without a trailing slash (as the local gateway reads it), the root kept. */
        public String prefix() {
            return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        }
    }

    public static RoutingTable load(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readString(file));
            Map<String, Integer> services = new LinkedHashMap<>();
            root.path("services").properties().forEach(e -> services.put(e.getKey(), e.getValue().path("port").asInt()));
            List<Route> routes = new ArrayList<>();
            for (JsonNode node : root.path("routes")) {
                Match match = Match.valueOf(node.path("match").asText().toUpperCase(java.util.Locale.ROOT));
                String service = node.path("service").asText();
                if (!services.containsKey(service)) {
                    throw new IllegalArgumentException(file + ": a route names unknown service " + service);
                }
                String timeout = node.path("timeout").isMissingNode() ? null : node.path("timeout").asText();
                if (timeout != null && !DURATION.matcher(timeout).matches()) {
                    throw new IllegalArgumentException(file + ": timeout " + timeout + " is no Gateway API duration (e.g. 30s, 1m, 0s)");
                }
                String rewrite = node.path("rewrite").isMissingNode() ? null : node.path("rewrite").asText();
                if (rewrite != null && !rewrite.startsWith("/")) {
                    throw new IllegalArgumentException(file + ": rewrite " + rewrite + " is no path starting with /");
                }
                routes.add(new Route(match, node.path("path").asText(), service, timeout, rewrite));
            }
            return new RoutingTable(services, routes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code /v1/agents/*}{@code /run} as {@code /v1/agents/[^/]+/run/?}: each star one non-empty segment, every other
     * character literal, escaped one by one so that any Gateway API implementation's regex engine (RE2 included)
     * reads it the same as the local gateway's {@code java.util.regex}.
     */
    public static String patternRegex(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append("[^/]+");
            }
            for (char c : part.toCharArray()) {
                regex.append(".[]{}()\\+?^$|".indexOf(c) >= 0 ? "\\" + c : String.valueOf(c));
            }
        }
        // A trailing slash names the same resource, as it does to the services (POST /v1/agents/42/run/ runs too).
        return pattern.endsWith("/") ? regex.toString() : regex + "/?";
    }
}
