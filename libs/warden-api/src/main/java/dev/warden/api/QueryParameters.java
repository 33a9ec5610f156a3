package dev.warden.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ResourceInfo;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The query parameters of a request are the operation's own, each given as often as it reads it:
 * <ul>
 *   <li>one the operation does not read is a 400 naming it: {@code GET /v1/audit?agnet_id=...} answered the whole
 *       organization's log as if filtered, and a fuzzer's extra parameters were taken without a word;</li>
 *   <li>one it reads as one value may be given once: {@code ?status=active&status=suspended} is a 400 naming it,
 *       never the first value taken silently (HTTP parameter pollution: a proxy, a cache or a firewall in front may
 *       read the last one, and then it checked another request than the one answered). One it reads as a list
 *       (fleet-service's {@code tag}) repeats freely.</li>
 * </ul>
 * Read from the resource method's {@code @QueryParam} and {@code @RestQuery} parameters, once per method.
 */
public class QueryParameters {

    /** Per resource method: the query parameters it reads, and those it reads as one value. */
    private final Map<Method, Known> known = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public void refuseUnknownAndRepeated(ResourceInfo resource, HttpServerRequest request) {
        if (request.query() == null || resource.getResourceMethod() == null) {
            return;
        }
        Known own = known.computeIfAbsent(resource.getResourceMethod(), QueryParameters::read);
        for (String name : request.params().names()) {
            if (!own.all().contains(name)) {
                throw ApiException.invalidField(name, "is not a parameter of this operation; it takes "
                        + (own.all().isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(own.all()))));
            }
            if (own.single().contains(name) && request.params().getAll(name).size() > 1) {
                throw ApiException.invalidField(name, "may be given once");
            }
        }
    }

    record Known(Set<String> all, Set<String> single) {
    }

    static Known read(Method method) {
        Set<String> all = new HashSet<>();
        Set<String> single = new HashSet<>();
        for (Parameter parameter : method.getParameters()) {
            String name = queryName(parameter);
            if (name != null) {
                all.add(name);
                if (!parameter.getType().isArray() && !Collection.class.isAssignableFrom(parameter.getType())) {
                    single.add(name);
                }
            }
        }
        return new Known(Set.copyOf(all), Set.copyOf(single));
    }

    private static String queryName(Parameter parameter) {
        for (Annotation annotation : parameter.getAnnotations()) {
            if (annotation instanceof QueryParam query) {
                return query.value();
            }
            if (annotation instanceof RestQuery query) {
                return query.value().isEmpty() ? parameter.getName() : query.value();
            }
        }
        return null;
    }
}
