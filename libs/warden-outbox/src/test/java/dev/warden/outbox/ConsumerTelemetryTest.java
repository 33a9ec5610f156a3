package dev.warden.outbox;

import dev.warden.testing.RecordedSpans;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The consumer's span continues the events' traceparent; its meters count by group and topic. */
class ConsumerTelemetryTest {

    private static final String TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_A = "00f067aa0ba902b7";
    private static final String TRACE_B = "0af7651916cd43dd8448eb211c80319c";
    private static final String SPAN_B = "b7ad6b7169203331";

    private final RecordedSpans ended = new RecordedSpans();
    private final SdkTracerProvider tracing = SdkTracerProvider.builder().addSpanProcessor(ended).build();
    private final OpenTelemetry openTelemetry = OpenTelemetrySdk.builder().setTracerProvider(tracing).build();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ConsumerTelemetry telemetry = new ConsumerTelemetry(meters, openTelemetry, "audit");

    @AfterEach
    void close() {
        telemetry.close();
        tracing.close();
    }

    @Test
    void aBatchFromOneTraceIsThatTracesChild() {
        SpanData span = handle(record("a", event(TRACE_A, SPAN_A)), record("a", event(TRACE_A, SPAN_A)));

        assertEquals(TRACE_A, span.getTraceId());
        assertEquals(SPAN_A, span.getParentSpanId());
        assertEquals(List.of(), span.getLinks());
        assertEquals("audit process", span.getName());
        assertEquals(2L, span.getAttributes().asMap().entrySet().stream()
                .filter(e -> e.getKey().getKey().equals("messaging.batch.message_count")).findFirst().orElseThrow()
                .getValue());
    }

    @Test
    void aBatchFromSeveralTracesLinksToEach() {
        SpanData span = handle(record("a", event(TRACE_A, SPAN_A)), record("a", event(TRACE_B, SPAN_B)),
                record("a", "{\"id\":\"x\"}"));

        assertFalse(span.getParentSpanContext().isValid(), "a new trace");
        assertNotEquals(TRACE_A, span.getTraceId());
        assertEquals(List.of(TRACE_A + "/" + SPAN_A, TRACE_B + "/" + SPAN_B), span.getLinks().stream()
                .map(l -> l.getSpanContext().getTraceId() + "/" + l.getSpanContext().getSpanId()).toList());
        assertTrue(span.getLinks().getFirst().getSpanContext().isRemote());
    }

    @Test
    void eventsWithoutTraceContextStartANewTrace() {
        SpanData span = handle(record("a", "not json"), record("a", "{\"traceparent\": \"nonsense\"}"));

        assertFalse(span.getParentSpanContext().isValid());
        assertEquals(List.of(), span.getLinks());
    }

    @Test
    void onlyTheEnvelopesTraceparentCounts() {
        assertNull(ConsumerTelemetry.traceparentOf("{\"data\": {\"traceparent\": \"00-" + TRACE_A + "-" + SPAN_A
                + "-01\"}, \"id\": \"x\"}"));
        assertEquals("00-" + TRACE_B + "-" + SPAN_B + "-00", ConsumerTelemetry.traceparentOf(
                "{\"data\": {\"traceparent\": \"elsewhere\", \"list\": [1, {\"a\": 2}]}, \"traceparent\": \"00-"
                        + TRACE_B + "-" + SPAN_B + "-00\"}"));
        assertNull(ConsumerTelemetry.traceparentOf("[\"traceparent\"]"));
    }

    @Test
    void metersCountByGroupAndTopic() {
        telemetry.handled(List.of(record("t1", "{}"), record("t1", "{}"), record("t2", "{}")));
        telemetry.deadLettered("t2");
        telemetry.failedAttempt(FailureKind.TRANSIENT);
        telemetry.failedAttempt(FailureKind.TRANSIENT);
        telemetry.lag(7);

        assertEquals(2, meters.get("warden.consumer.handled").tags("group", "audit", "topic", "t1").counter().count());
        assertEquals(1, meters.get("warden.consumer.handled").tags("group", "audit", "topic", "t2").counter().count());
        assertEquals(1, meters.get("warden.consumer.dead.lettered").tags("group", "audit", "topic", "t2").counter().count());
        assertEquals(2, meters.get("warden.consumer.failed.attempts").tags("group", "audit", "kind", "transient")
                .counter().count());
        assertEquals(7, meters.get("warden.consumer.lag").tags("group", "audit").gauge().value());

        telemetry.close();
        assertTrue(meters.find("warden.consumer.lag").gauges().isEmpty(), "a closed loop reports no lag");
    }

    @SafeVarargs
    private SpanData handle(ConsumerRecord<String, String>... records) {
        try (ConsumerTelemetry.BatchSpan span = telemetry.startBatch(List.of(records))) {
            // the handler runs here
        }
        List<SpanData> spans = ended.all();
        assertEquals(1, spans.size());
        return spans.getFirst();
    }

    private static String event(String trace, String span) {
        return "{\"specversion\": \"1.0\", \"data\": {\"a\": [1, 2]}, \"traceparent\": \"00-" + trace + "-" + span
                + "-01\"}";
    }

    private static ConsumerRecord<String, String> record(String topic, String value) {
        return new ConsumerRecord<>(topic, 0, 0L, "key", value);
    }
}
