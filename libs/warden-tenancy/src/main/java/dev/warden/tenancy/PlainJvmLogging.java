package dev.warden.tenancy;

import io.quarkus.logging.json.runtime.JsonFormatter;
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
 * handler writing {@code level} and above to {@code stream}: plain lines, or with {@code json} one JSON object per line
 * in the form the services write under {@code WARDEN_LOG_JSON=true} (Quarkus' own formatter), so that a log collector
 * reading a pod's containers reads its init container's lines too.
 */
public final class PlainJvmLogging {

    private PlainJvmLogging() {
    }

    /** {@code stream} as it is now (not as it was when the class was loaded: a test may have replaced it). */
    public static void to(PrintStream stream, Level level) {
        to(stream, level, false);
    }

    /** As {@link #to(PrintStream, Level)}, in JSON lines when {@code json}. */
    public static void to(PrintStream stream, Level level, boolean json) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        root.setLevel(level);
        OutputStreamHandler handler = new OutputStreamHandler(stream,
                json ? new JsonFormatter() : new PatternFormatter("%d{HH:mm:ss} %-7p [%c] %s%e%n"));
        handler.setAutoFlush(true);
        handler.setLevel(level);
        root.addHandler(handler);
    }
}
