package dev.warden.launcher.stack;

import dev.warden.testing.LocalKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker that cannot start says why, on the launcher's classpath: the failure the launcher shows ends with the
 * broker's own error. Without an SLF4J provider there, Kafka exited 1 and its log held only the JVM's warnings.
 */
class KafkaStartFailureTest {

    @TempDir
    Path dir;

    @Test
    void aBrokerWhosePortIsTakenSaysSoInTheFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> LocalKafka.start(dir.resolve("kafka"), taken.getLocalPort()).close());
            assertTrue(failed.getMessage().contains("Kafka exited with 1"), failed.getMessage());
            assertTrue(failed.getMessage().contains("Address already in use"), failed.getMessage());
        }
    }
}
