package dev.warden.bench.common;

/** How a benchmark's JVM ends. */
public final class Exits {

    private Exits() {
    }

    /**
     * Closes, then exits with {@code status} however closing ends: a benchmark JVM that failed could otherwise be kept
     * waiting by a thread its run left, and {@code bench/run} with it.
     */
    public static void closeAndExit(Runnable close, int status) {
        try {
            close.run();
        } catch (RuntimeException e) {
            e.printStackTrace();
        } finally {
            System.exit(status);
        }
    }
}
