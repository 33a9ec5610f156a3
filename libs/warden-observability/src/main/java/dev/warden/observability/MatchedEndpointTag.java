package dev.warden.observability;

import io.micrometer.core.instrument.Tags;
import io.quarkus.micrometer.runtime.HttpServerMetricsTagsContributor;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import jakarta.inject.Singleton;

/**
 * Tags every answer of an endpoint with the endpoint's path template ({@code uri="/v1/agents"}), its errors too.
 * Quarkus tags a request with its template only where the template differs from the path asked, so the 4xx and 5xx of
 * an endpoint without path parameters ({@code POST /v1/agents} refusing a bad body) were all {@code uri="UNKNOWN"}, and
 * an error rate per endpoint could not be read. The template is the one RESTEasy Reactive puts on the request's context
 * once it has matched an endpoint, so a caller cannot mint a tag: a path no endpoint matched has none, and keeps
 * Quarkus' own ({@code NOT_FOUND}, {@code UNKNOWN}).
 */
@Singleton
public class MatchedEndpointTag implements HttpServerMetricsTagsContributor {

    /** Where RESTEasy Reactive's observability handler keeps the matched endpoint's template. */
    private static final String TEMPLATE = "UrlPathTemplate";

    @Override
    public Tags contribute(Context context) {
        if (context.request() instanceof HttpServerRequestInternal request
                && request.context().getLocal(TEMPLATE) instanceof String template && !template.isEmpty()) {
            return Tags.of("uri", template);
        }
        return Tags.empty();
    }
}
