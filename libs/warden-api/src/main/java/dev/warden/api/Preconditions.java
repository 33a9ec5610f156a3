package dev.warden.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ResourceInfo;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A precondition on a change ({@code If-Match}, {@code If-None-Match}, {@code If-Unmodified-Since}) is checked by the
 * operations that document {@code If-Match} (the edits of agents, intents, policies and realms, {@link IfMatch}); sent
 * with any other POST, PUT, PATCH or DELETE it is a 400 naming it, never the change made without it: a security
 * trial's DELETE of a policy with a stale tag removed it, an {@code If-Match} on a deploy or a suspension deployed and
 * suspended whatever the agent had become, and {@code If-None-Match: *} on an edit was ignored. Reads are left alone
 * ({@code If-None-Match} on a GET is a cache's). Read from the method's annotations once per method, as
 * {@link IdempotencyKeys} reads its header.
 */
public class Preconditions {

    private static final List<String> HEADERS = List.of(IfMatch.HEADER, "If-None-Match", "If-Unmodified-Since");

    private final Map<Method, Boolean> checks = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public void refuseWhereNotChecked(ResourceInfo resource, HttpServerRequest request) {
        Method method = resource.getResourceMethod();
        HttpMethod verb = request.method();
        if (method == null || verb == HttpMethod.GET || verb == HttpMethod.HEAD || verb == HttpMethod.OPTIONS) {
            return;
        }
        for (String header : HEADERS) {
            if (!request.headers().contains(header)) {
                continue;
            }
            boolean checked = header.equals(IfMatch.HEADER)
                    && checks.computeIfAbsent(method, m -> IdempotencyKeys.documents(m, IfMatch.HEADER));
            if (!checked) {
                throw ApiException.invalidField(header, "is not checked by this operation, so the change would be made "
                        + "whatever the resource has become: only If-Match is checked, by the edits that document it");
            }
        }
    }
}
