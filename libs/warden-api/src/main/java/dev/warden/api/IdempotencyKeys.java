package dev.warden.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ResourceInfo;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@code Idempotency-Key} is taken by the operations that document it ({@code @Parameter(name = HEADER, in =
 * HEADER)} on the method, warden-tenancy's {@code Idempotency}); a POST or PATCH to any other operation that sends one
 * is a 400 naming it, never the key ignored: a client that retried such a request believing it safe made it twice (a
 * fuzz trial's two policies and two enrolment tokens under one key). GET, PUT and DELETE are idempotent as they are, so
 * a key sent with them is left alone. Read from the method's annotations once per method.
 */
public class IdempotencyKeys {

    public static final String HEADER = "Idempotency-Key";

    private final Map<Method, Boolean> takes = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public void refuseWhereNotTaken(ResourceInfo resource, HttpServerRequest request) {
        Method method = resource.getResourceMethod();
        if (method == null || !request.headers().contains(HEADER)
                || request.method() != HttpMethod.POST && request.method() != HttpMethod.PATCH) {
            return;
        }
        if (!takes.computeIfAbsent(method, m -> documents(m, HEADER))) {
            throw ApiException.invalidField(HEADER, "is not taken by this operation: sent twice, the request would be done "
                    + "twice (the operations that take one document it)");
        }
    }

    /** Whether {@code method} documents the request header {@code header} ({@code @Parameter} on the method). */
    static boolean documents(Method method, String header) {
        for (Parameter parameter : method.getAnnotationsByType(Parameter.class)) {
            if (header.equalsIgnoreCase(parameter.name())) {
                return true;
            }
        }
        return false;
    }
}
