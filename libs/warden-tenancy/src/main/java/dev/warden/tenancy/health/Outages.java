package dev.warden.tenancy.health;

import dev.warden.api.UnavailableException;
import io.smallrye.mutiny.CompositeException;
import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import org.apache.kafka.common.errors.RetriableException;

import java.io.IOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Recognizes a failure that says the database or the broker could not be reached, or was too busy to answer, rather
 * than anything about the work itself: the same work may succeed in a moment. Requests answer it with a 503
 * ({@link UnavailableException}); consumers retry it for as long as it lasts.
 */
public final class Outages {

    /** Vert.x reports lost connections with plain exceptions; only their messages tell. */
    private static final List<String> CONNECTION_MESSAGES = List.of("connection refused", "connection is closed",
            "connection was closed", "connection reset", "broken pipe", "timed out", "timeout",
            "max wait queue size", "connection is not active");

    private Outages() {
    }

    /** True when the failure, one of its causes, or a member of a composite failure is an outage. */
    public static boolean isOutage(Throwable failure) {
        return causes(failure).stream().anyMatch(Outages::outageAlone);
    }

    /** The failure, its causes, and the members of composite failures (Mutiny's joins collect several). */
    public static List<Throwable> causes(Throwable failure) {
        List<Throwable> all = new ArrayList<>();
        Set<Throwable> seen = new HashSet<>();
        Deque<Throwable> todo = new ArrayDeque<>(List.of(failure));
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (t == null || !seen.add(t)) {
                continue;
            }
            all.add(t);
            if (t instanceof CompositeException composite) {
                todo.addAll(composite.getCauses());
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
        }
        return all;
    }

    /**
     * SQLSTATE class 08 (connection exception), 28 (the server refused the service's credentials: a password changed
     * under a running service answered 500s, found by a user trial rotating credentials; the same work succeeds once
     * they are put right), 53 (insufficient resources: too many connections, out of memory or disk), 57P01-03 (the
     * server shutting down, crashed, or starting), and 40001 and 40P01 (a serialization failure or a deadlock: the
     * transaction met another at the same moment and was undone, and passes when tried again; a request answered 500).
     * Everything else (a NOT NULL violation, "invalid byte sequence 0x00") comes from the work and would fail again.
     */
    public static boolean unavailableSqlState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("28") || state.startsWith("53")
                || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
                || state.equals("40001") || state.equals("40P01"));
    }

    private static boolean outageAlone(Throwable t) {
        return switch (t) {
            case UnavailableException unavailable -> true;
            case DatabaseException db -> unavailableSqlState(db.getSqlState());
            case SQLException sql -> unavailableSqlState(sql.getSQLState());
            case ClosedConnectionException closed -> true;
            case SocketException socket -> true; // includes ConnectException: connection refused
            case ClosedChannelException closed -> true;
            case UnknownHostException dns -> true;
            case IOException io -> connectionMessage(io); // "Broken pipe" from the socket, never a JSON parse error
            case RetriableException kafka -> true; // the broker unreachable, a leader moving, a request timing out
            case VertxException vertx -> connectionMessage(vertx); // includes the pool's "Timeout waiting for connection"
            case NoStackTraceThrowable vertx -> connectionMessage(vertx);
            // java.util.concurrent, Mutiny, Kafka, Netty and Vert.x each have their own TimeoutException.
            default -> t.getClass().getSimpleName().endsWith("TimeoutException");
        };
    }

    private static boolean connectionMessage(Throwable t) {
        String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        return t.getClass().getSimpleName().endsWith("TimeoutException")
                || CONNECTION_MESSAGES.stream().anyMatch(message::contains);
    }
}
