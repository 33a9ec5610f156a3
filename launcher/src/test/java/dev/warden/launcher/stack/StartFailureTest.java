package dev.warden.launcher.stack;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the launcher says of a service that did not start: the error and its causes, not the last stack frames. */
class StartFailureTest {

    /** audit-service refusing a signing key whose halves do not match, after an earlier run that failed otherwise. */
    private static final List<String> LOG = """
            === 2026-12-05T20:00:00Z: starting audit-service on port 18083 ===
            20:00:01 ERROR [io.qu.ru.Application] Failed to start application: an earlier run's error
            
            === 2026-12-05T20:41:47Z: starting audit-service on port 18083 ===
             --/ __ \\/ / / / _ | / _ \\/ //_/ / / / __/\s
            20:41:48 WARN  [io.qu.config] Unrecognized configuration key "x"
            20:41:48 ERROR [io.qu.ru.Application] Failed to start application: java.lang.RuntimeException: Failed to start quarkus
            	at io.quarkus.runner.ApplicationImpl.doStart(Unknown Source)
            	at io.quarkus.runtime.Application.start(Application.java:112)
            Caused by: java.lang.RuntimeException: Error injecting dev.warden.audit.checkpoint.SigningKey
            	at io.quarkus.arc.impl.Foo.bar(Foo.java:1)
            	... 12 more
            Caused by: java.lang.IllegalStateException: WARDEN_AUDIT_SIGNING_PUBLIC_KEY is not the public half of WARDEN_AUDIT_SIGNING_KEY
            	at dev.warden.audit.checkpoint.SigningKey.load(SigningKey.java:125)
            	at dev.warden.audit.checkpoint.SigningKey.<init>(SigningKey.java:45)
            	at dev.warden.audit.checkpoint.SigningKey_Bean.create(Unknown Source)
            	... 20 more
            20:41:49 INFO  [io.quarkus] audit-service stopped in 0.012s
            """.lines().toList();

    @Test
    void theFirstErrorOfTheLastRunAndEachOfItsCausesAreShownWithoutFrames() {
        String shown = StartFailure.describe(LOG);

        assertEquals("  20:41:48 ERROR [io.qu.ru.Application] Failed to start application: java.lang.RuntimeException: "
                        + "Failed to start quarkus\n"
                        + "  Caused by: java.lang.RuntimeException: Error injecting dev.warden.audit.checkpoint.SigningKey\n"
                        + "  Caused by: java.lang.IllegalStateException: WARDEN_AUDIT_SIGNING_PUBLIC_KEY is not the public half "
                        + "of WARDEN_AUDIT_SIGNING_KEY",
                shown);
        assertFalse(shown.contains("earlier run"), shown);
    }

    /**
     * A user trial's WARDEN_LIMITS_AGENTS=-1: once in five starts the scheduler logged an error of its own while the
     * application stopped, before Quarkus' error, and the launcher showed only that.
     */
    @Test
    void quarkusFailedStartIsShownBeforeAnEarlierErrorOfTheStop() {
        String shown = StartFailure.describe(List.of("=== 2026-12-06T10:00:00Z: starting agent-service on port 1 ===",
                "10:00:01 ERROR [io.qu.sc.co.ru.SkipPredicateInvoker] Error while firing SkippedExecution event",
                "java.lang.NullPointerException",
                "\tat dev.warden.agent.access.KeyUsageRecorder.flushPeriodically(KeyUsageRecorder.java:41)",
                "10:00:01 ERROR [io.qu.ru.Application] Failed to start application: java.lang.RuntimeException: Failed to start quarkus",
                "\tat io.quarkus.runner.ApplicationImpl.doStart(Unknown Source)",
                "Caused by: java.lang.IllegalArgumentException: warden.limits.agents must be 0 or more, not -1",
                "\tat dev.warden.tenancy.db.Limits.<init>(Limits.java:90)"));

        assertTrue(shown.startsWith("  10:00:01 ERROR [io.qu.ru.Application] Failed to start application"), shown);
        assertTrue(shown.contains("Caused by: java.lang.IllegalArgumentException: warden.limits.agents must be 0 or more"),
                shown);
        assertFalse(shown.contains("SkippedExecution"), shown);
    }

    @Test
    void jsonLogLinesAreReadToo() {
        String shown = StartFailure.describe(List.of("=== 2026-12-05T20:41:47Z: starting audit-service on port 1 ===",
                "{\"level\":\"INFO\",\"message\":\"starting\"}",
                "{\"level\":\"ERROR\",\"message\":\"Failed to start application\",\"exception\":{\"exceptionType\":"
                        + "\"java.lang.RuntimeException\",\"message\":\"Failed to start quarkus\",\"causedBy\":{\"exception\":"
                        + "{\"exceptionType\":\"java.lang.IllegalStateException\",\"message\":\"the halves differ\"}}}}"));

        assertTrue(shown.contains("ERROR Failed to start application"), shown);
        assertTrue(shown.contains("Caused by: java.lang.IllegalStateException: the halves differ"), shown);
    }

    @Test
    void aLogNamingNoErrorShowsItsLastLines() {
        String shown = StartFailure.describe(List.of("=== 2026-12-05T20:41:47Z: migrating audit-service ===",
                "Killed", "out of memory"));

        assertEquals("  Killed\n  out of memory", shown);
    }
}
