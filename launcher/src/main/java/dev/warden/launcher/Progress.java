package dev.warden.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/** The launcher's console: numbered steps with their timing, so a slow or failing part is obvious. */
public final class Progress {

    private final PrintStream out;
    private final int steps;
    private int step;
    private Step open;

    public Progress(PrintStream out, int steps) {
        this.out = out;
        this.steps = steps;
    }

    /** Prints "[n/N] what ... " and leaves the line open for {@link Step#done(String)}. */
    public synchronized Step begin(String what) {
        step++;
        out.printf("[%d/%d] %s ... ", step, steps, what);
        out.flush();
        return open = new Step(System.nanoTime());
    }

    /** A step made of several parts, each on its own line. */
    public synchronized void header(String what) {
        step++;
        out.printf("[%d/%d] %s%n", step, steps, what);
    }

    /** One part of a step, on its own indented line left open for {@link Step#done(String)}. */
    public synchronized Step part(String what) {
        out.print("      " + what + " ... ");
        out.flush();
        return open = new Step(System.nanoTime());
    }

    /** Ends a line left open by a step that will not finish, e.g. "failed after 3.1 s"; nothing if none is open. */
    public synchronized void endOpenLine(String word) {
        if (open != null) {
            open.end(word + " after " + open.elapsed());
        }
    }

    public synchronized void line(String text) {
        out.println("      " + text);
    }

    public synchronized void plain(String text) {
        out.println(text);
    }

    public static String seconds(long startNanos) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    /** A path relative to the current folder when it is inside it: shorter to read. */
    public static String show(Path path) {
        Path cwd = Path.of("").toAbsolutePath();
        return path.startsWith(cwd) && !path.equals(cwd) ? cwd.relativize(path).toString() : path.toString();
    }

    public final class Step {
        private final long start;

        private Step(long start) {
            this.start = start;
        }

        public void done(String detail) {
            end("ready in " + seconds(start) + (detail.isEmpty() ? "" : " (" + detail + ")"));
        }

        /** Ends the line with any text, e.g. "stopped in 1.2 s". */
        public void end(String text) {
            synchronized (Progress.this) {
                if (open == this) { // a line already ended as interrupted stays ended
                    out.println(text);
                    open = null;
                }
            }
        }

        public String elapsed() {
            return seconds(start);
        }
    }
}
