package dev.warden.outbox;

import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import static dev.warden.outbox.FailureKind.OTHER;
import static dev.warden.outbox.FailureKind.TRANSIENT;
import static dev.warden.outbox.FailureKind.UNPROCESSABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FailureKindTest {

    @Test
    void anUnreachableOrBusyDatabaseIsTransient() {
        for (String state : new String[]{"08006", "08001", "57P01", "57P02", "57P03", "53300", "40001", "40P01"}) {
            assertEquals(TRANSIENT, FailureKind.of(pg(state)), state);
        }
        assertEquals(TRANSIENT, FailureKind.of(ClosedConnectionException.INSTANCE));
        assertEquals(TRANSIENT, FailureKind.of(new VertxException("Connection is closed")));
        assertEquals(TRANSIENT, FailureKind.of(new NoStackTraceThrowable("Connection refused")));
        assertEquals(TRANSIENT, FailureKind.of(new CompletionException(new ConnectException("Connection refused"))));
        assertEquals(TRANSIENT, FailureKind.of(new io.smallrye.mutiny.TimeoutException()));
        assertEquals(TRANSIENT, FailureKind.of(new org.apache.kafka.common.errors.TimeoutException("metadata")));
    }

    @Test
    void whatTheDataCausesIsNotTransient() {
        assertEquals(OTHER, FailureKind.of(pg("23502"))); // NOT NULL violated
        assertEquals(OTHER, FailureKind.of(pg("22021"))); // invalid byte sequence 0x00
        assertEquals(OTHER, FailureKind.of(new NullPointerException()));
        assertEquals(OTHER, FailureKind.of(new VertxException("Transaction rolled back")));
        assertEquals(OTHER, FailureKind.of(new IllegalStateException("wrapped", pg("23505"))));
    }

    @Test
    void anUnprocessableEventIsNamedAsSuchEvenWhenWrapped() {
        assertEquals(UNPROCESSABLE, FailureKind.of(new CompletionException(new UnprocessableEventException("no agent"))));
    }

    private static PgException pg(String sqlState) {
        return new PgException("failed", "ERROR", sqlState, null);
    }
}
