package dev.warden.bench.common;

import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging for the bench JVMs (JBoss LogManager as the JUL manager; Kafka's client logs through slf4j into it).
 * Left alone it has no level, so the Kafka client formats every TRACE and DEBUG message, and a Quarkus handler that
 * queues records until a Quarkus application configures logging, which never happens here: both cost CPU in the
 * relay's JVM and the perf test's alike. Warnings go to stderr.
 */
public final class Logs {

    private Logs() {
    }

    public static void warningsOnly() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.setLevel(Level.WARNING);
        ConsoleHandler console = new ConsoleHandler(ConsoleHandler.Target.SYSTEM_ERR,
                new PatternFormatter("%d{HH:mm:ss,SSS} %-5p [%c] %s%e%n"));
        console.setLevel(Level.WARNING);
        root.addHandler(console);
        // The broker's readiness probe retries its connection while the broker starts: noise, not a warning.
        Logger.getLogger("org.apache.kafka.clients.NetworkClient").setLevel(Level.SEVERE);
    }
}
