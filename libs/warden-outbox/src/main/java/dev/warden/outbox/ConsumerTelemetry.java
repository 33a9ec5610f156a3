package dev.warden.outbox;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.warden.events.EventJson;
import dev.warden.observability.TraceContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.MDC;

import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one consumer group reports: its meters ({@code warden_consumer_*}, tagged by group) and a span per handled
 * batch that continues the trace of the request that produced its events ({@code traceparent}).
 */
final class ConsumerTelemetry {

    /** The telemetry of the consumer loop running on this thread, so {@link DeadLetters} can count for its group. */
    private static final ThreadLocal<ConsumerTelemetry> CURRENT = new ThreadLocal<>();

    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("messaging.batch.message_count");
    private static final AttributeKey<Long> DEAD_LETTERED = AttributeKey.longKey("warden.dead_lettered");

    private final MeterRegistry registry;
    private final Tracer tracer;
    /** Null: no Vert.x (benchmarks), the handler's work subscribed where it is. */
    private final Vertx vertx;
    private final String group;
    private final Map<String, Counter> handled = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Map<FailureKind, Counter> failedAttempts = new ConcurrentHashMap<>();
    private final AtomicLong lag = new AtomicLong();
    private final Gauge lagGauge;

    ConsumerTelemetry(MeterRegistry registry, OpenTelemetry openTelemetry, String group) {
        this(registry, openTelemetry, null, group);
    }

    ConsumerTelemetry(MeterRegistry registry, OpenTelemetry openTelemetry, Vertx vertx, String group) {
        this.registry = registry;
        this.vertx = vertx;
        this.tracer = openTelemetry.getTracer("dev.warden.outbox");
        this.group = group;
        this.lagGauge = Gauge.builder("warden.consumer.lag", lag, AtomicLong::get)
                .description("Records of the group's assigned partitions not yet committed (end offset minus committed)")
                .tag("group", group).strongReference(true).register(registry);
    }

    /** Meters in the global registry (none, unless something was added to it) and no traces: for benchmarks. */
    String group() {
        return group;
    }

    static ConsumerTelemetry untraced(String group) {
        return new ConsumerTelemetry(Metrics.globalRegistry, OpenTelemetry.noop(), group);
    }

    static ConsumerTelemetry current() {
        return CURRENT.get();
    }

    /**
     * {@code work} subscribed, when a span is current (the batch's), on a Vert.x context of its own that carries that
     * span, so that its statements (the Vert.x SQL client's, which take their parent from the Vert.x context they run
     * on, never from the loop's thread) are the batch span's children: a trace then runs from the HTTP request through
     * the outbox and the consumer into the consumer's SQL. Without a span (tracing off: the default) nothing moves.
     * The context is a new duplicate for each call, dropped with the work, so the span it keeps ends with it.
     */
    <T> Uni<T> underCurrentSpan(Uni<T> work) {
        Context traced = Context.current();
        if (vertx == null || !Span.fromContext(traced).getSpanContext().isValid()) {
            return work;
        }
        io.vertx.core.Context own = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        return work.runSubscriptionOn(task -> own.runOnContext(ignored -> {
            // Kept by this duplicated context (Quarkus keeps the OpenTelemetry context in the Vert.x one) for every
            // callback of the work, so its scope is never closed: the context goes when the work is done
            traced.makeCurrent();
            task.run();
        }));
    }

    /** Binds this telemetry to the calling thread: the loop's own, for its whole life. */
    void bindToThread() {
        CURRENT.set(this);
    }

    /**
     * Registers the group's counters of {@code topics} at zero before its first event: a counter that first appears at
     * 1 has no increase for Prometheus' {@code increase()}, so the first dead letter of a topic raised no alert.
     */
    ConsumerTelemetry consuming(Collection<String> topics) {
        topics.forEach(topic -> {
            handledCounter(topic);
            deadLetteredCounter(topic);
        });
        return this;
    }

    void handled(List<ConsumerRecord<String, String>> records) {
        for (ConsumerRecord<String, String> record : records) {
            handledCounter(record.topic()).increment();
        }
    }

    void deadLettered(String topic) {
        deadLetteredCounter(topic).increment();
    }

    private Counter handledCounter(String topic) {
        return handled.computeIfAbsent(topic, t -> Counter.builder("warden.consumer.handled")
                .description("Events the group's handler completed (including those it dead-lettered itself)")
                .tags("group", group, "topic", t).register(registry));
    }

    private Counter deadLetteredCounter(String topic) {
        return deadLettered.computeIfAbsent(topic, t -> Counter.builder("warden.consumer.dead.lettered")
                .description("Events sent to <topic>.dlq by the group")
                .tags("group", group, "topic", t).register(registry));
    }

    void failedAttempt(FailureKind kind) {
        failedAttempts.computeIfAbsent(kind, k -> Counter.builder("warden.consumer.failed.attempts")
                .description("Failed attempts to handle a batch or a record, by kind of failure")
                .tags("group", group, "kind", k.name().toLowerCase(Locale.ROOT)).register(registry)).increment();
    }

    void lag(long records) {
        lag.set(records);
    }

    /**
     * A span for handling {@code records}, current until closed. When they all come from one trace context (a batch of
     * one, or the events of one request) it is that context's child; otherwise it links to each record's context.
     */
    BatchSpan startBatch(List<ConsumerRecord<String, String>> records) {
        Set<SpanContext> parents = new LinkedHashSet<>();
        Set<String> topics = new LinkedHashSet<>();
        for (ConsumerRecord<String, String> record : records) {
            topics.add(record.topic());
            SpanContext remote = TraceContext.remote(traceparentOf(record.value()));
            if (remote.isValid()) {
                parents.add(remote);
            }
        }
        SpanBuilder builder = tracer.spanBuilder(group + " process").setSpanKind(SpanKind.CONSUMER)
                .setAttribute(SYSTEM, "kafka").setAttribute(OPERATION, "process").setAttribute(GROUP, group)
                .setAttribute(BATCH_SIZE, (long) records.size());
        if (topics.size() == 1) {
            builder.setAttribute(DESTINATION, topics.iterator().next());
        }
        if (parents.size() == 1) {
            builder.setParent(Context.root().with(Span.wrap(parents.iterator().next())));
        } else {
            builder.setNoParent();
            parents.forEach(builder::addLink);
        }
        return new BatchSpan(builder.startSpan());
    }

    /**
     * The envelope's {@code traceparent}, or null: a streaming look at the top-level fields that skips {@code data}
     * unread, so it costs little beside the handler's own parsing.
     */
    static String traceparentOf(String json) {
        if (json == null || !json.contains("\"traceparent\"")) {
            return null;
        }
        try (JsonParser parser = EventJson.MAPPER.getFactory().createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("traceparent".equals(field)) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // not JSON: the handler says so and dead-letters it
        }
    }

    void close() {
        registry.remove(lagGauge);
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }

    /** A started batch span, current on this thread (with its ids in the logging context) until closed. */
    static final class BatchSpan implements AutoCloseable {

        private final Span span;
        private final Scope scope;
        private int deadLettered;

        BatchSpan(Span span) {
            this.span = span;
            this.scope = span.makeCurrent();
            SpanContext context = span.getSpanContext();
            if (context.isValid()) {
                MDC.put("traceId", context.getTraceId());
                MDC.put("spanId", context.getSpanId());
            }
        }

        void deadLettered(String reason) {
            deadLettered++;
            span.setStatus(StatusCode.ERROR, reason);
        }

        @Override
        public void close() {
            if (deadLettered > 0) {
                span.setAttribute(DEAD_LETTERED, (long) deadLettered);
            }
            span.end();
            scope.close();
            MDC.remove("traceId");
            MDC.remove("spanId");
        }
    }
}
