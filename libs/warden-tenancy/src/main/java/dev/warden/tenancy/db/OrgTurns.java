package dev.warden.tenancy.db;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Each organization's transactions on this replica take turns: at most {@code most} of one organization's are started
 * at once (holding a connection, or in the pool's queue for one), and the rest wait in that organization's own line,
 * in order. So the pool's queue never holds more than {@code most} of any one organization's, and a transaction of
 * another organization waits there behind at most those, not behind all that one organization sent: a user trial's
 * 300 requests at once of one organization made another's wait in line behind them (its reported actions 10 times
 * slower). With {@code most} the pool's size, one organization alone still has every connection.
 */
final class OrgTurns {

    /** A transaction's place: started at once or in its organization's line; {@link #end()} gives it up. */
    interface Turn {
        /** The transaction ended, or no longer wants to start: the next in its organization's line starts. */
        void end();
    }

    private static final class Line {
        int started;
        final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    }

    private final class Waiting implements Turn {
        private final UUID org;
        private final Runnable start;
        private final Context context;
        private boolean started;
        private boolean ended;

        Waiting(UUID org, Runnable start, Context context) {
            this.org = org;
            this.start = start;
            this.context = context;
        }

        @Override
        public void end() {
            Waiting next = null;
            synchronized (OrgTurns.this) {
                if (ended) {
                    return;
                }
                ended = true;
                Line line = lines.get(org);
                if (!started) {
                    line.waiting.remove(this);
                } else {
                    line.started--;
                    next = line.waiting.poll();
                    if (next != null) {
                        next.started = true;
                        line.started++;
                    }
                }
                if (line.started == 0 && line.waiting.isEmpty()) {
                    lines.remove(org);
                }
            }
            if (next != null) {
                next.begin();
            }
        }

        /** On the context of the request that asked, as if it had started at once. */
        void begin() {
            if (context != null) {
                context.runOnContext(v -> start.run());
            } else {
                start.run();
            }
        }
    }

    private final int most;
    private final Map<UUID, Line> lines = new HashMap<>();

    OrgTurns(int most) {
        if (most < 1) {
            throw new IllegalArgumentException("at most " + most + " transactions an organization");
        }
        this.most = most;
    }

    /** Runs {@code start} now if {@code org} has room, else once its turn comes; {@link Turn#end()} when done. */
    Turn take(UUID org, Runnable start) {
        Waiting turn = new Waiting(org, start, Vertx.currentContext());
        boolean now;
        synchronized (this) {
            Line line = lines.computeIfAbsent(org, o -> new Line());
            now = line.started < most;
            if (now) {
                line.started++;
                turn.started = true;
            } else {
                line.waiting.add(turn);
            }
        }
        if (now) {
            start.run();
        }
        return turn;
    }

    /** How many of {@code org}'s transactions wait for their turn. */
    synchronized int waiting(UUID org) {
        Line line = lines.get(org);
        return line == null ? 0 : line.waiting.size();
    }
}
