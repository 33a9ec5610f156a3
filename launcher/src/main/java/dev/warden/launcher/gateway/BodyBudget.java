package dev.warden.launcher.gateway;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The most request body the gateway holds in memory at once, over every connection: each body is read whole before
 * its request goes on ({@link Gateway}), at most {@link RequestLimits#MAX_BODY} of it, so without a bound on their sum
 * a user trial's 500 connections each sending 999,999 bytes of a 1,000,000-byte body, and never the last, ran the
 * launcher's heap out (the gateway and the supervisor with it). A body that would take the sum past the budget is
 * answered 503 with Retry-After and its connection closed; the bodies held go on, and the budget is free again as they
 * end, are refused, or their callers go.
 */
final class BodyBudget {

    /** A quarter of the launcher's heap ({@code bin/warden}: -Xmx512m): 128 bodies of the largest size at once. */
    static final long DEFAULT_BYTES = 128L * 1024 * 1024;

    private final long most;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long most) {
        this.most = most;
    }

    long held() {
        return held.get();
    }

    /** What one request's body holds of the budget; {@link #release} once, when the request is over. */
    Held hold() {
        return new Held();
    }

    final class Held {
        private long bytes;
        private boolean released;

        /** Counts {@code more} bytes of this body; false, counting nothing, when the sum would pass the budget. */
        synchronized boolean add(long more) {
            if (released) {
                return false;
            }
            long now = held.addAndGet(more);
            if (now > most) {
                held.addAndGet(-more);
                return false;
            }
            bytes += more;
            return true;
        }

        synchronized void release() {
            if (!released) {
                released = true;
                held.addAndGet(-bytes);
                bytes = 0;
            }
        }
    }

    /** The refusal of a body the budget has no room for. */
    static final class Full extends RuntimeException {
        Full() {
            super("The gateway is holding as many request bodies as it may; try again in a moment", null, false, false);
        }
    }
}
