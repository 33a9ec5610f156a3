package dev.warden.outbox;

import io.smallrye.mutiny.CompositeException;
import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import org.apache.kafka.common.errors.RetriableException;

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
 * What a handler's failure says about the events it was handling. Only an unreachable or overloaded database or broker
 * is {@link #TRANSIENT}: the events are fine and are retried until it answers, never dead-lettered. Anything else
 * may be caused by the event itself, so it is retried a bounded number of times.
 */
public enum FailureKind {

    /** The database or broker could not be reached, or was too busy: retry, however long it takes. */
    TRANSIENT,
    /** The handler threw {@link UnprocessableEventException}: dead-letter the event at once. */
    UNPROCESSABLE,
    /** Anything else, a poison event among others: retry a few times, then isolate and dead-letter it. */
    OTHER;

    /** Vert.x reports lost connections with plain exceptions; only their messages tell. */
    private static final List<String> CONNECTION_MESSAGES = List.of("connection refused", "connection is closed",
            "connection was closed", "connection reset", "broken pipe", "timed out", "timeout");

    public static FailureKind of(Throwable failure) {
        List<Throwable> all = causes(failure);
        if (all.stream().anyMatch(t -> t instanceof UnprocessableEventException)) {
            return UNPROCESSABLE;
        }
        return all.stream().anyMatch(FailureKind::transientAlone) ? TRANSIENT : OTHER;
    }

    private static boolean transientAlone(Throwable t) {
        return switch (t) {
            case DatabaseException db -> transientSqlState(db.getSqlState());
            case SQLException sql -> transientSqlState(sql.getSQLState());
            case ClosedConnectionException closed -> true;
            case SocketException socket -> true; // includes ConnectException: connection refused
            case ClosedChannelException closed -> true;
            case UnknownHostException dns -> true;
            case RetriableException kafka -> true; // the broker unreachable, a leader moving, a request timing out
            case VertxException vertx -> connectionMessage(vertx);
            case NoStackTraceThrowable vertx -> connectionMessage(vertx);
            // java.util.concurrent, Mutiny, Kafka, Netty and Vert.x each have their own TimeoutException.
            default -> t.getClass().getSimpleName().endsWith("TimeoutException");
        };
    }

    /**
     * Class 08 connection exception, 53 insufficient resources, 57P01-03 the server shutting down or starting,
     * 40001 and 40P01 a serialization failure or deadlock, which pass when tried again. Everything else (a NOT NULL
     * violation, "invalid byte sequence 0x00") comes from the data and would fail forever.
     */
    static boolean transientSqlState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("53")
                || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
                || state.equals("40001") || state.equals("40P01"));
    }

    private static boolean connectionMessage(Throwable t) {
        String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        return t.getClass().getSimpleName().endsWith("TimeoutException")
                || CONNECTION_MESSAGES.stream().anyMatch(message::contains);
    }

    /** The failure, its causes, and the members of composite failures (Mutiny's joins collect several). */
    private static List<Throwable> causes(Throwable failure) {
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
}
