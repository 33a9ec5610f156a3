package dev.warden.bench.common;

import dev.warden.tenancy.PlainJvmLogging;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging for the bench JVMs (Kafka's client logs through slf4j into JBoss LogManager): warnings only, to stderr, as
 * {@link PlainJvmLogging} sets it up, so the Kafka client formats no TRACE or DEBUG message in the relay's JVM or the
 * perf test's.
 */
public final class Logs {

    private Logs() {
    }

    public static void warningsOnly() {
        PlainJvmLogging.to(System.err, Level.WARNING);
        // The broker's readiness probe retries its connection while the broker starts: noise, not a warning.
        Logger.getLogger("org.apache.kafka.clients.NetworkClient").setLevel(Level.SEVERE);
    }
}
