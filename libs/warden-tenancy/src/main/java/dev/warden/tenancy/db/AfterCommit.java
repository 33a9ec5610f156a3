package dev.warden.tenancy.db;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code NOTIFY}s that wake listeners (the outbox relay, the audit topic publisher), asked for by a transaction
 * ({@link #notifyListeners}) and sent once {@link TenantDb} has committed it, each in a transaction of its own that
 * writes nothing; none for a transaction that rolls back.
 * <p>
 * Why not {@code NOTIFY} in the writing transaction itself: PostgreSQL serializes the commits of every transaction
 * that notifies, in the whole server, with a lock taken before the commit and held until after its flush to disk
 * ({@code PreCommit_Notify}: "queue entries appear in commit order"). Every write of every service notified the outbox
 * relay from a trigger, so writes committed one at a time, each waiting for its own flush: creates in agent-service were
 * 685 a second with it against 811 without (docs/benchmarks.md, section 3). A transaction that writes nothing has no flush to
 * wait for, so the lock is held for microseconds.
 * <p>
 * At most one {@code NOTIFY} per channel is in flight per pool; one asked for while it is sends one more when it is
 * done, so every commit that asked is followed by a notification sent after it. One that is lost (the database away
 * a moment) only delays: its listeners poll too.
 */
public final class AfterCommit {

    /** The channels each of {@link TenantDb}'s open transactions asked to notify, by its connection. */
    private static final Map<SqlConnection, Set<String>> OPEN = new ConcurrentHashMap<>();

    private final Pool pool;
    private final Map<String, Sender> senders = new ConcurrentHashMap<>();

    AfterCommit(Pool pool) {
        this.pool = pool;
    }

    /**
     * Asks for a {@code NOTIFY} on {@code channel} once the transaction on {@code conn} has committed. On a connection
     * that is not in one of {@link TenantDb}'s transactions, the {@code NOTIFY} goes in its transaction.
     */
    public static Uni<Void> notifyListeners(SqlConnection conn, String channel) {
        Set<String> channels = OPEN.get(conn);
        if (channels != null) {
            channels.add(channel);
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("SELECT pg_notify($1, '')").execute(Tuple.of(channel)).replaceWithVoid();
    }

    /** A transaction of {@link TenantDb}'s begins on {@code conn}: what it asks to notify is kept in the set answered. */
    static Set<String> opened(SqlConnection conn) {
        Set<String> channels = ConcurrentHashMap.newKeySet();
        OPEN.put(conn, channels);
        return channels;
    }

    /** It has ended, committed or not. */
    static void ended(SqlConnection conn, Set<String> channels) {
        OPEN.remove(conn, channels);
    }

    /** It has committed: its channels are notified. */
    void committed(Set<String> channels) {
        channels.forEach(channel -> senders.computeIfAbsent(channel, Sender::new).ask());
    }

    private final class Sender {

        private final String channel;
        /** 0 idle, 1 sending, 2 sending and asked again meanwhile. */
        private final AtomicInteger state = new AtomicInteger();

        Sender(String channel) {
            this.channel = channel;
        }

        void ask() {
            if (state.getAndUpdate(s -> Math.min(s + 1, 2)) == 0) {
                send();
            }
        }

        /** Never throws: it runs after a commit, whose request must not fail for it. */
        private void send() {
            try {
                pool.preparedQuery("SELECT pg_notify($1, '')").execute(Tuple.of(channel))
                        .subscribe().with(sent -> sent(), failure -> sent());
            } catch (RuntimeException e) {
                sent(); // a pool closing as the service stops: the listeners poll
            }
        }

        private void sent() {
            if (state.updateAndGet(s -> s - 1) > 0) {
                send();
            }
        }
    }
}
