package dev.warden.launcher.stack;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the launcher started, stopped newest first: a service before the gateway, Kafka and PostgreSQL it needs. A stop
 * may come while a start is under way (Ctrl-C, {@code bin/warden down} from another terminal): a part that finishes
 * starting after the stop began is stopped in its turn, newest, before the parts started before it. No lock is held
 * while a part stops, so the starting thread never waits behind the stop: it waited for the whole of it, and a service
 * started in that instant was stopped after PostgreSQL and Kafka, its stop reported as failed (an upgrade trial's
 * {@code bin/warden down} during a start).
 */
final class StartedParts {

    /** A started part: its name and what stops it, answering how it went ("stopped", "killed after 10 s"). */
    record Part(String name, Supplier<String> stopper) {
    }

    private final Consumer<Part> stopOne;
    private final Deque<Part> started = new ArrayDeque<>();
    private boolean stopping;
    private boolean stopped;

    /** {@code stopOne} stops a part and reports how it went. */
    StartedParts(Consumer<Part> stopOne) {
        this.stopOne = stopOne;
    }

    /**
     * Remembers a part that finished starting; false once the stop has begun, the part then stopped in its turn (or at
     * once, here, when the stop is over already): its start should go no further.
     */
    boolean add(String name, Supplier<String> stopper) {
        Part part = new Part(name, stopper);
        synchronized (this) {
            if (!stopped) {
                started.push(part);
                return !stopping;
            }
        }
        stopOne.accept(part);
        return false;
    }

    /** Begins the stop: false if it had begun already. */
    synchronized boolean beginStop() {
        if (stopping) {
            return false;
        }
        stopping = true;
        return true;
    }

    synchronized boolean stopping() {
        return stopping;
    }

    synchronized boolean isEmpty() {
        return started.isEmpty();
    }

    /** Stops every part, newest first, those added meanwhile included. */
    void stopAll() {
        while (true) {
            Part part;
            synchronized (this) {
                part = started.poll();
                if (part == null) {
                    stopped = true;
                    return;
                }
            }
            stopOne.accept(part);
        }
    }
}
