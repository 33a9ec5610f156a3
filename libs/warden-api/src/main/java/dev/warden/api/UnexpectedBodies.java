package dev.warden.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ResourceInfo;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A body sent to an operation that reads none is a 400, never ignored: {@code POST /v1/agents/{id}/rollback} with
 * {@code {"target_version": 1}} rolled back to the previous version (seed 001 takes {@code target_version} in the query
 * string) and answered 200, so the caller believed version 1 was running; {@code -d '{'} performed the action too.
 * An operation reads a body when one of its parameters is not bound to the path, query, headers or context; what it
 * is decided once per method. An empty body ({@code Content-Length: 0}) is no body; only methods that act are
 * checked.
 */
public class UnexpectedBodies {

    /** Where a parameter that is not the body comes from: JAX-RS' and RESTEasy Reactive's binding annotations. */
    private static final List<String> BINDINGS = List.of("jakarta.ws.rs.PathParam", "jakarta.ws.rs.QueryParam",
            "jakarta.ws.rs.HeaderParam", "jakarta.ws.rs.CookieParam", "jakarta.ws.rs.MatrixParam", "jakarta.ws.rs.FormParam",
            "jakarta.ws.rs.BeanParam", "jakarta.ws.rs.core.Context", "org.jboss.resteasy.reactive.RestPath",
            "org.jboss.resteasy.reactive.RestQuery", "org.jboss.resteasy.reactive.RestHeader",
            "org.jboss.resteasy.reactive.RestCookie", "org.jboss.resteasy.reactive.RestMatrix",
            "org.jboss.resteasy.reactive.RestForm");
    /** Types RESTEasy Reactive injects without an annotation: the request, its context, a stream's sink. */
    private static final List<String> CONTEXT_PACKAGES = List.of("jakarta.ws.rs.core.", "jakarta.ws.rs.sse.",
            "jakarta.ws.rs.container.", "io.vertx.", "org.jboss.resteasy.reactive.server.");

    /**
     * The methods that act: a body they ignore may have been meant to change what they do. A {@code GET} with a body
     * (which some clients send when they reuse one request builder) changes nothing, and is answered as before.
     */
    private static final List<String> CHANGES = List.of("POST", "PUT", "PATCH", "DELETE");

    /** Per resource method: whether it reads a body. */
    private final Map<Method, Boolean> readsBody = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public void refuse(ResourceInfo resource, HttpServerRequest request) {
        Method method = resource.getResourceMethod();
        if (method == null || !CHANGES.contains(request.method().name()) || !BodyEncoding.hasBody(request)
                || readsBody.computeIfAbsent(method, UnexpectedBodies::readsBody)) {
            return;
        }
        throw ApiException.badRequest("This operation takes no body: its parameters are in the path and the query string",
                List.of());
    }

    static boolean readsBody(Method method) {
        for (Parameter parameter : method.getParameters()) {
            if (!bound(parameter) && !injected(parameter.getType())) {
                return true;
            }
        }
        return false;
    }

    private static boolean bound(Parameter parameter) {
        for (Annotation annotation : parameter.getAnnotations()) {
            if (BINDINGS.contains(annotation.annotationType().getName())) {
                return true;
            }
        }
        return false;
    }

    private static boolean injected(Class<?> type) {
        String name = type.getName();
        return CONTEXT_PACKAGES.stream().anyMatch(name::startsWith) || name.startsWith("io.quarkus.security.");
    }
}
