package dev.warden.observability;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * The sampler of every service (Quarkus uses a {@link Sampler} bean): a span with a parent is sampled as its parent
 * is, as by default; a span that starts a trace is sampled unless it is a call out ({@link SpanKind#CLIENT}) that no
 * request, event or job of Warden's own made: a statement of background polling (the leader loops' {@code COMMIT}s,
 * the projection watchers, the fleet sweep's reads), which an observability trial counted at about 300 one-span
 * traces a minute from an idle suite. Requests (server spans), the consumers' batches and producers stay sampled.
 */
public class Sampling {

    @Produces
    @Singleton
    static Sampler sampler() {
        return Sampler.parentBased(new RootCallsUnsampled());
    }

    static final class RootCallsUnsampled implements Sampler {

        @Override
        public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
                                           Attributes attributes, List<LinkData> parentLinks) {
            return spanKind == SpanKind.CLIENT ? SamplingResult.drop() : SamplingResult.recordAndSample();
        }

        @Override
        public String getDescription() {
            return "RootCallsUnsampled";
        }
    }
}
