package dev.warden.tenancy.db;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code NOTIFY}s that transactions asked for ({@link TenantDb#notifyAfterCommit}), sent once they have committed,
 * each in a transaction of its own that writes nothing.
 * <p>
 * Why not {@code NOTIFY} in the writing transaction itself: PostgreSQL serializes the commits of every transaction
 * that notifies, in the whole server, with a lock taken before the commit and held until after its flush to disk
 * ({@code PreCommit_Notify}: "queue entries appear in commit order"). Every write of every service notified the outbox
 * relay from a trigger, so writes committed one at a time, each waiting for its own flush: creates in agent-service went
 * from 876 to 712 a second with it (docs/benchmarks.md, section 3). A transaction that writes nothing has no flush to
 * wait for, so the lock is held for microseconds.
 * <p>
 * At most one {@code NOTIFY} per channel is in flight per pool; one asked for while it is sends one more when it is
 * done, so every commit that asked is followed by a notification sent after it. One that is lost (the database away
 * a moment) only delays: its listeners poll too.
 */
final class AfterCommit {

    private final Pool pool;
    private final Map<String, Sender> senders = new ConcurrentHashMap<>();

    AfterCommit(Pool pool) {
        this.pool = pool;
    }

    void notify(String channel) {
        senders.computeIfAbsent(channel, Sender::new).ask();
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
