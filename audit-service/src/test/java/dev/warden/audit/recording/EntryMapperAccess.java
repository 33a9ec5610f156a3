package dev.warden.audit.recording;

import dev.warden.events.CloudEvent;
import dev.warden.events.audit.AuditEvents.AuditEntry;

import java.time.Instant;

/** Lets tests outside this package map an event the way the recorder does. */
public final class EntryMapperAccess {

    private EntryMapperAccess() {
    }

    public static AuditEntry map(CloudEvent event) {
        return EntryMapper.map(event, Instant.now());
    }
}
