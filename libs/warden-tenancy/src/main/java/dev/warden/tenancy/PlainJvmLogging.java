package dev.warden.tenancy;

import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.OutputStreamHandler;

import java.io.PrintStream;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging for a JVM of Warden's that runs without Quarkus (the migration step, the benchmarks). Left as it comes, the
 * Quarkus handler on the class path queues every record until a Quarkus application configures logging, which never
 * happens there, so every line is lost (a migration's own WARNINGs among them), and the root logger has no level, so
 * libraries format every DEBUG message for nothing. This replaces the root's handlers with one JBoss LogManager
 * handler writing {@code level} and above to {@code stream}.
 */
public final class PlainJvmLogging {

    private PlainJvmLogging() {
    }

    /** {@code stream} as it is now (not as it was when the class was loaded: a test may have replaced it). */
    public static void to(PrintStream stream, Level level) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        root.setLevel(level);
        OutputStreamHandler handler = new OutputStreamHandler(stream, new PatternFormatter("%d{HH:mm:ss} %-7p [%c] %s%e%n"));
        handler.setAutoFlush(true);
        handler.setLevel(level);
        root.addHandler(handler);
    }
}
