package dev.warden.runner.execution;

import dev.warden.runner.engine.OutputCollector;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The runs in progress on this instance: their output, for the live log stream, and the thread each runs on, so that a
 * run can be stopped before its deadline ({@link #stop}: its agent suspended, its organization disabled).
 */
@ApplicationScoped
public class LiveRuns {

    /** A run in progress: whose it is, its output, the worker thread running it (once it runs) and why it was stopped. */
    public static final class Live {
        final UUID org;
        final UUID agent;
        final OutputCollector output;
        private Thread thread;
        private String stopped;

        Live(UUID org, UUID agent, OutputCollector output) {
            this.org = org;
            this.agent = agent;
            this.output = output;
        }

        public UUID org() {
            return org;
        }

        public UUID agent() {
            return agent;
        }
    }

    private final Map<UUID, Live> running = new ConcurrentHashMap<>();

    void put(UUID execution, UUID org, UUID agent, OutputCollector output) {
        running.put(execution, new Live(org, agent, output));
    }

    void remove(UUID execution) {
        running.remove(execution);
    }

    public Optional<OutputCollector> output(UUID execution) {
        return Optional.ofNullable(running.get(execution)).map(live -> live.output);
    }

    /** The runs in progress here, by execution. */
    public Map<UUID, Live> all() {
        return Map.copyOf(running);
    }

    /**
     * Runs {@code work} (the engine's run) on this thread as execution's, so that {@link #stop} can interrupt it: the
     * engines answer an interrupted run at once, with its container killed and removed. A run stopped before it began
     * runs nothing.
     */
    <T> T runAs(UUID execution, Supplier<T> work, Supplier<T> stoppedBefore) {
        Live live = running.get(execution);
        synchronized (live) {
            if (live.stopped != null) {
                return stoppedBefore.get();
            }
            live.thread = Thread.currentThread();
        }
        try {
            return work.get();
        } finally {
            synchronized (live) {
                live.thread = null;
                Thread.interrupted(); // a stop that came as the run ended: not carried to the pool's next task
            }
        }
    }

    /** Stops the run, saying {@code why}; answers whether this stopped it (false: not running here, or stopped already). */
    public boolean stop(UUID execution, String why) {
        Live live = running.get(execution);
        if (live == null) {
            return false;
        }
        synchronized (live) {
            if (live.stopped != null) {
                return false;
            }
            live.stopped = why;
            if (live.thread != null) {
                live.thread.interrupt();
            }
        }
        return true;
    }

    /** Why the run was stopped, if it was. */
    Optional<String> stopped(UUID execution) {
        Live live = running.get(execution);
        if (live == null) {
            return Optional.empty();
        }
        synchronized (live) {
            return Optional.ofNullable(live.stopped);
        }
    }
}
