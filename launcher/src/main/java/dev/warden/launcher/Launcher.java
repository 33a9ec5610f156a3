package dev.warden.launcher;

import dev.warden.launcher.stack.Stack;
import sun.misc.Signal;

import java.io.PrintStream;

/**
 * {@code bin/warden up}: starts the whole suite on this machine and keeps it running until Ctrl-C.
 * Settings are {@code WARDEN_*} environment variables or system properties (see docs/launcher.md).
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) throws InterruptedException {
        // The console is for progress lines, not library logs: slf4j-simple is on the classpath for the broker this
        // process starts (its own JVM, logging to kafka.log; LocalKafka), and off in this one.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        // Netty's probe of sun.misc.Unsafe prints a deprecation warning on JDK 24+; a local gateway needs no Unsafe.
        System.setProperty("io.netty.noUnsafe", "true");
        PrintStream out = System.out;
        if (args.length > 0 && args[0].equals("down")) {
            down(out);
            return;
        }
        Stack stack;
        try {
            stack = new Stack(LauncherConfig.from(Settings.fromSystem()), new Progress(out, Stack.STEPS));
        } catch (LauncherException e) {
            System.err.println("warden: " + e.getMessage());
            System.exit(2);
            return;
        }
        stopOnSignals(stack);
        try {
            Stack.Running running = stack.start();
            printSummary(out, running);
        } catch (RuntimeException e) {
            boolean cancelled = stack.isStopped();
            stack.stop();
            if (!cancelled) {
                System.err.println();
                System.err.println("warden: " + (e instanceof LauncherException ? e.getMessage() : describe(e)));
            }
            System.exit(cancelled ? 0 : 1);
        }
        stack.awaitStopped();
    }

    /** {@code bin/warden down}: stops the suite of this data folder from another terminal. */
    private static void down(PrintStream out) {
        try {
            LauncherConfig config = LauncherConfig.from(Settings.fromSystem());
            boolean stopped = Stack.down(config, new Progress(out, 1));
            out.println((stopped ? "Stopped; data kept in " : "Nothing of Warden runs on ") + Progress.show(config.dataDir()));
        } catch (LauncherException e) {
            System.err.println("warden: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Ctrl-C and SIGTERM stop the suite in order, then exit. They are handled here rather than only in a shutdown
     * hook because the embedded PostgreSQL registers its own hook, and hooks run all at once: PostgreSQL would stop
     * while the services still use it. The shutdown hook stays for any other way the JVM exits.
     */
    private static void stopOnSignals(Stack stack) {
        for (String signal : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(signal), s -> new Thread(() -> {
                System.out.println();
                stack.stop();
                System.exit(0);
            }, "warden-stop").start());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "warden-stop-hook"));
    }

    static void printSummary(PrintStream out, Stack.Running running) {
        out.println();
        out.println("Warden is ready.");
        out.println("  Gateway        " + running.gatewayUrl());
        out.println("  Admin API key  " + running.adminApiKey() + "  (organization \"demo\"" + running.adminKeyNote() + ")");
        out.println("  Platform key   " + Progress.show(running.platformKeyFile()) + "  (platform admin; keep it secret)");
        out.println("  Logs           " + Progress.show(running.logsDir()));
        out.println("  Audit topic    warden.audit.v1 at " + running.kafkaBootstrap() + ", read as "
                + Progress.show(running.auditReaderFile()) + " says (docs/audit-topic-consumer.md)");
        String label = "  Metrics        ";
        int width = running.metricsUrls().keySet().stream().mapToInt(String::length).max().orElse(0);
        for (var metrics : running.metricsUrls().entrySet()) {
            out.println(label + String.format("%-" + width + "s  %s", metrics.getKey(), metrics.getValue()));
            label = " ".repeat(label.length());
        }
        // Through the gateway, for a client generator: each service's document (deploy/routes.json)
        out.println("  OpenAPI        " + running.gatewayUrl() + "/openapi/<service>?format=json  (e.g. "
                + running.gatewayUrl() + "/openapi/agent-service)");
        out.println("  Try            curl -s -H 'X-API-Key: " + running.adminApiKey() + "' " + running.gatewayUrl()
                + "/v1/agents");
        out.println("Press Ctrl-C to stop.");
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append("\n  caused by: ").append(cause);
        }
        return text.toString();
    }
}
