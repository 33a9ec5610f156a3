package dev.warden.audit.recording;

import dev.warden.events.CloudEvent;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import io.smallrye.mutiny.Uni;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Instant;
import java.util.List;

/**
 * The bench's door into audit-service's package-private recording code (bench only, same package on the class path):
 * {@link AuditRecorder#record} is what the service's consumer loop calls per polled batch, {@link EntryMapper#map}
 * how an event becomes an entry.
 */
public final class BenchAccess {

    private BenchAccess() {
    }

    public static Uni<Void> record(AuditRecorder recorder, List<ConsumerRecord<String, String>> records) {
        return recorder.record(records);
    }

    public static AuditEntry map(CloudEvent event, Instant recordedAt) {
        return EntryMapper.map(event, recordedAt);
    }
}
