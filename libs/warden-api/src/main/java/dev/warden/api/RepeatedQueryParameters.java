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
 * A query parameter an operation reads as one value may be given once: {@code ?status=active&status=suspended} is a
 * 400 naming it, never the first value taken silently (HTTP parameter pollution: a proxy, a cache or a firewall in
 * front may read the last one, and then it checked another request than the one answered). A parameter the operation
 * reads as a list (fleet-service's {@code tag}) repeats freely; one it does not read is left alone, as before.
 */
public class RepeatedQueryParameters {

    /** Per resource method: the query parameters it reads as one value. */
    private final Map<Method, Set<String>> single = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public void refuseRepeats(ResourceInfo resource, HttpServerRequest request) {
        if (request.query() == null || resource.getResourceMethod() == null) {
            return;
        }
        Set<String> once = single.computeIfAbsent(resource.getResourceMethod(), RepeatedQueryParameters::singleValued);
        for (String name : once) {
            if (request.params().getAll(name).size() > 1) {
                throw ApiException.invalidField(name, "may be given once");
            }
        }
    }

    static Set<String> singleValued(Method method) {
        Set<String> names = new HashSet<>();
        for (Parameter parameter : method.getParameters()) {
            String name = queryName(parameter);
            if (name != null && !parameter.getType().isArray() && !Collection.class.isAssignableFrom(parameter.getType())) {
                names.add(name);
            }
        }
        return Set.copyOf(names);
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
