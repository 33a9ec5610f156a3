package dev.warden.testing;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The stacks of this JVM's threads whose names start with one of the given prefixes, for a failure message: a
 * {@code @QuarkusTest} runs the service in the test's JVM, so a wait that times out can say where the service's own
 * threads (the outbox relay, the access directory, Kafka's network threads) were at that moment.
 */
public final class ThreadReport {

    private ThreadReport() {
    }

    public static String of(String... namePrefixes) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> Arrays.stream(namePrefixes).anyMatch(p -> e.getKey().getName().startsWith(p)))
                .sorted(Map.Entry.comparingByKey((a, b) -> a.getName().compareTo(b.getName())))
                .map(e -> "\"" + e.getKey().getName() + "\" " + e.getKey().getState() + Arrays.stream(e.getValue())
                        .limit(25).map(f -> "\n    at " + f).collect(Collectors.joining()))
                .collect(Collectors.joining("\n"));
    }
}
