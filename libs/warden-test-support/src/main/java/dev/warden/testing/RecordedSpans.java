package dev.warden.testing;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The spans a tracer provider ended, newest last, the last {@link #KEPT}: what an exporter would be sent (tests export
 * nothing). Given to an SDK of a test's own, or, in a service's test, made a bean by a subclass annotated
 * {@code @Singleton}: Quarkus adds every {@code SpanProcessor} bean to its tracer provider (audit-service's
 * {@code AuditSpans}). Not a bean here, so that a service's tests record spans only when one asks.
 */
public class RecordedSpans implements SpanProcessor {

    private static final int KEPT = 20_000;

    private final ConcurrentLinkedDeque<SpanData> ended = new ConcurrentLinkedDeque<>();
    private final AtomicInteger size = new AtomicInteger();

    public List<SpanData> all() {
        return List.copyOf(ended);
    }

    @Override
    public void onStart(Context parent, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        ended.addLast(span.toSpanData());
        if (size.incrementAndGet() > KEPT) {
            ended.pollFirst();
            size.decrementAndGet();
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }
}
