package dev.warden.launcher.gateway;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One line of deploy/routes.json. The matching follows the Kubernetes Gateway API that the production routes are
 * generated for, so local and production routing agree: a prefix matches whole path segments ({@code /v1/agents}
 * matches {@code /v1/agents} and {@code /v1/agents/x}, not {@code /v1/agentsx}); a regex must match the whole path.
 */
public record Route(Match match, String path, String service, Pattern regex) {

    public enum Match { PREFIX, REGEX }

    public Route {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(service, "service");
    }

    public static Route prefix(String path, String service) {
        // A trailing slash does not change a segment prefix ("/v1/agents/" is "/v1/agents"), except for the root.
        String normalized = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return new Route(Match.PREFIX, normalized, service, null);
    }

    public static Route regex(String path, String service) {
        return new Route(Match.REGEX, path, service, Pattern.compile(path));
    }

    public boolean matches(String requestPath) {
        return switch (match) {
            case PREFIX -> path.equals("/") || requestPath.equals(path) || requestPath.startsWith(path + "/");
            case REGEX -> regex.matcher(requestPath).matches();
        };
    }
}
