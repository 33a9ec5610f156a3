package dev.warden.testing;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The stacks of this JVM's threads whose names start with one of the given prefixes, for a failure message: a
 * {@code @QuarkusTest} runs the service in the test's JVM, so a wait that times out can say where the service's own
 * threads (the outbox relay, the access directory, Kafka's network threads) were at that moment.
 */
public final class ThreadReport {

    private ThreadReport() {
    }

    /**
     * One line: each matching thread's name and its innermost frame in Warden's own code (or its top frame), for the
     * first line of a failure message, which is all a build's summary shows.
     */
    public static String summary(String... namePrefixes) {
        return threads(namePrefixes).map(e -> e.getKey().getName() + " in " + Arrays.stream(e.getValue())
                        .filter(f -> f.getClassName().startsWith("dev.warden.")).findFirst()
                        .or(() -> Arrays.stream(e.getValue()).findFirst())
                        .map(f -> shortName(f.getClassName()) + "." + f.getMethodName()).orElse("?"))
                .collect(Collectors.joining(", "));
    }

    public static String of(String... namePrefixes) {
        return threads(namePrefixes).map(e -> "\"" + e.getKey().getName() + "\" " + e.getKey().getState() + Arrays.stream(e.getValue())
                        .limit(25).map(f -> "\n    at " + f).collect(Collectors.joining()))
                .collect(Collectors.joining("\n"));
    }

    private static Stream<Map.Entry<Thread, StackTraceElement[]>> threads(String... namePrefixes) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> Arrays.stream(namePrefixes).anyMatch(p -> e.getKey().getName().startsWith(p)))
                .sorted(Map.Entry.comparingByKey((a, b) -> a.getName().compareTo(b.getName())));
    }

    private static String shortName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
