package dev.warden.runner.execution;

import dev.warden.runner.engine.OutputCollector;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** The output of the runs in progress on this instance, for the live log stream. */
@ApplicationScoped
public class LiveRuns {

    private final Map<UUID, OutputCollector> running = new ConcurrentHashMap<>();

    void put(UUID execution, OutputCollector output) {
        running.put(execution, output);
    }

    void remove(UUID execution) {
        running.remove(execution);
    }

    public Optional<OutputCollector> output(UUID execution) {
        return Optional.ofNullable(running.get(execution));
    }
}
