package dev.warden.tenancy.health;

import com.fasterxml.jackson.core.JsonParseException;
import dev.warden.api.UnavailableException;
import io.smallrye.mutiny.CompositeException;
import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutagesTest {

    @Test
    void anUnreachableShuttingDownExhaustedOrCredentialRefusingDatabaseIsAnOutage() {
        for (String state : new String[]{"08006", "08001", "57P01", "57P02", "57P03", "53300", "28P01", "28000", "40001",
                "40P01"}) {
            assertTrue(Outages.isOutage(pg(state)), state);
        }
        assertTrue(Outages.isOutage(ClosedConnectionException.INSTANCE));
        assertTrue(Outages.isOutage(new VertxException("Connection is closed")));
        assertTrue(Outages.isOutage(new VertxException("Timeout waiting for connection", true))); // the pool's wait
        assertTrue(Outages.isOutage(new NoStackTraceThrowable("Connection refused")));
        assertTrue(Outages.isOutage(new NoStackTraceThrowable("Connection is not active now, current status: CLOSED")));
        assertTrue(Outages.isOutage(new CompletionException(new ConnectException("Connection refused"))));
        assertTrue(Outages.isOutage(new IOException("Broken pipe")));
        assertTrue(Outages.isOutage(new io.smallrye.mutiny.TimeoutException()));
        assertTrue(Outages.isOutage(new CompositeException(new IllegalStateException("x"), pg("57P01"))));
        assertTrue(Outages.isOutage(new UnavailableException("database", null)));
    }

    @Test
    void anUnreachableBrokerIsAnOutage() {
        assertTrue(Outages.isOutage(new org.apache.kafka.common.errors.TimeoutException("metadata")));
        assertTrue(Outages.isOutage(new org.apache.kafka.common.errors.DisconnectException("gone")));
    }

    @Test
    void whatTheWorkCausesIsNoOutage() {
        assertFalse(Outages.isOutage(pg("23502"))); // NOT NULL violated
        assertFalse(Outages.isOutage(pg("22021"))); // invalid byte sequence 0x00
        assertFalse(Outages.isOutage(new NullPointerException()));
        assertFalse(Outages.isOutage(new IllegalStateException("Result is already complete")));
        assertFalse(Outages.isOutage(new VertxException("Transaction rolled back")));
        assertFalse(Outages.isOutage(new JsonParseException(null, "Unexpected character")));
        assertFalse(Outages.isOutage(new IllegalStateException("wrapped", pg("23505"))));
    }

    private static PgException pg(String sqlState) {
        return new PgException("failed", "ERROR", sqlState, null);
    }
}
