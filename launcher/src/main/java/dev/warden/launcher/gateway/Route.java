package dev.warden.launcher.gateway;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One line of deploy/routes.json. The matching follows the Kubernetes Gateway API that the production routes are
 * generated for, so local and production routing agree: a prefix matches whole path segments ({@code /v1/agents}
 * matches {@code /v1/agents} and {@code /v1/agents/x}, not {@code /v1/agentsx}); a regex must match the whole path; a
 * pattern is a whole path in which each {@code *} stands for exactly one non-empty segment ({@code /v1/agents/*}{@code /run}
 * matches {@code /v1/agents/42/run}, not {@code /v1/agents/run} nor {@code /v1/agents/4/2/run}), the regex
 * {@link #patternRegex} that Kubernetes routes carry as a {@code RegularExpression} match, so both mean the same.
 * {@code rewrite}, when there is one, is the path the service is asked for in place of the whole path, the query kept
 * (the Gateway API's {@code URLRewrite} filter with {@code ReplaceFullPath}): each service's OpenAPI document, at
 * {@code /q/openapi} on every service, is {@code /openapi/<service>} through the gateway.
 */
public record Route(Match match, String path, String service, Pattern regex, String rewrite) {

    public enum Match { PREFIX, REGEX, PATTERN }

    public Route {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(service, "service");
    }

    public static Route prefix(String path, String service) {
        // A trailing slash does not change a segment prefix ("/v1/agents/" is "/v1/agents"), except for the root.
        String normalized = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return new Route(Match.PREFIX, normalized, service, null, null);
    }

    public static Route regex(String path, String service) {
        return new Route(Match.REGEX, path, service, Pattern.compile(path), null);
    }

    public static Route pattern(String path, String service) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("pattern " + path + " must start with /");
        }
        return new Route(Match.PATTERN, path, service, Pattern.compile(patternRegex(path)), null);
    }

    /** This route, asking its service for {@code path} in place of the whole path asked (the query kept). */
    public Route rewritingTo(String path) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("route " + this.path + ": \"rewrite\" must be a path starting with /");
        }
        return new Route(match, this.path, service, regex, path);
    }

    /** What the service is asked for: the rewritten path and the query of {@code uri}, or {@code uri} as it is. */
    public String uriFor(String uri) {
        if (rewrite == null) {
            return uri;
        }
        int query = uri.indexOf('?');
        return query < 0 ? rewrite : rewrite + uri.substring(query);
    }

    /** {@code /v1/agents/*}{@code /run} as the regex {@code /v1/agents/[^/]+/run/?}: literal text escaped, one segment per star. */
    public static String patternRegex(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append("[^/]+");
            }
            for (char c : part.toCharArray()) {
                // Escaped one by one (not \\Q...\\E), so every regex engine of a Gateway API reads it alike.
                regex.append(".[]{}()\\+?^$|".indexOf(c) >= 0 ? "\\" + c : String.valueOf(c));
            }
        }
        // A trailing slash names the same resource, as it does to the services (POST /v1/agents/42/run/ runs too).
        return pattern.endsWith("/") ? regex.toString() : regex + "/?";
    }

    public boolean matches(String requestPath) {
        return switch (match) {
            case PREFIX -> path.equals("/") || requestPath.startsWith(path)
                    && (requestPath.length() == path.length() || requestPath.charAt(path.length()) == '/');
            case REGEX, PATTERN -> regex.matcher(requestPath).matches();
        };
    }
}
