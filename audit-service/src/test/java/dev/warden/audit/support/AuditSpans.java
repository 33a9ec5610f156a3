package dev.warden.audit.support;

import dev.warden.testing.RecordedSpans;
import jakarta.inject.Singleton;

/** The spans audit-service ends in its tests, for the tests of tracing. */
@Singleton
public class AuditSpans extends RecordedSpans {
}
