package dev.warden.observability;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

/**
 * {@code /q/metrics} in OpenMetrics, with its exemplars (the trace that last moved each counter), to a scraper that
 * asks for OpenMetrics. Quarkus' own handler answered Prometheus' scrape, whose {@code Accept} names OpenMetrics first
 * and {@code text/plain} after it, in the older text format, which has no exemplars, and a request asking for
 * OpenMetrics alone with a 406: with tracing on, no exemplar reached Prometheus (found by an observability trial).
 * Requests that do not name OpenMetrics (none, {@code text/plain}) go on to Quarkus' handler as before.
 */
@ApplicationScoped
public class OpenMetricsScrape {

    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /** Quarkus' default under its non-application root; Warden's services do not move it. */
    static final String PATH = "/q/metrics";

    private final Instance<PrometheusMeterRegistry> registry;

    public OpenMetricsScrape(Instance<PrometheusMeterRegistry> registry) {
        this.registry = registry;
    }

    void install(@Observes Router router) {
        // After the request id's and RequestLimits' routes, before Quarkus' metrics route
        router.get(PATH).order(Integer.MIN_VALUE + 2).handler(ctx -> {
            String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
            if (accept == null || !accept.contains("application/openmetrics-text") || !registry.isResolvable()) {
                ctx.next();
                return;
            }
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, OPENMETRICS).end(scrape());
        });
    }

    /** As Quarkus' handler does it: a gauge may read a request-scoped bean. */
    private String scrape() {
        ManagedContext requestContext = Arc.container().requestContext();
        if (requestContext.isActive()) {
            return registry.get().scrape(OPENMETRICS);
        }
        requestContext.activate();
        try {
            return registry.get().scrape(OPENMETRICS);
        } finally {
            requestContext.terminate();
        }
    }
}
