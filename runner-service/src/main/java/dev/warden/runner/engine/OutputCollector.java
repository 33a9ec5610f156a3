package dev.warden.runner.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A run's output as it arrives, in chunks that need not end at a line: split into lines per stream, kept up to the
 * tier's byte cap (both streams together, a line's newline counted), the rest dropped and {@link #truncated()} set.
 * Listeners (the live log stream) see each kept line as it completes. Thread-safe: the engine's reader thread feeds
 * it while readers look.
 */
public final class OutputCollector {

    public enum Stream {
        STDOUT, STDERR,
        /** Not an output stream: the lines a listener heard so far are replaced by those that follow (see {@link #settle}). */
        RESET
    }

    /** A completed line of one stream; {@code last} marks the end of the output. */
    public record Line(Stream stream, String text) {
    }

    private final long maxBytes;
    private final List<String> stdout = new ArrayList<>();
    private final List<String> stderr = new ArrayList<>();
    private final ByteArrayOutputStream partialOut = new ByteArrayOutputStream();
    private final ByteArrayOutputStream partialErr = new ByteArrayOutputStream();
    private final List<Consumer<Line>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> onEnd = new CopyOnWriteArrayList<>();
    private String endStatus;
    private long kept;
    private boolean truncated;
    private boolean ended;

    private static final byte[] NUL_SYMBOL = "\u2400".getBytes(StandardCharsets.UTF_8);

    public OutputCollector(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The bytes of output it keeps at most. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Feeds a chunk of {@code stream}. */
    public void accept(Stream stream, byte[] bytes) {
        List<Line> completed = new ArrayList<>();
        synchronized (this) {
            if (ended) {
                return;
            }
            ByteArrayOutputStream partial = stream == Stream.STDOUT ? partialOut : partialErr;
            for (byte b : bytes) {
                if (truncated) {
                    break;
                }
                if (kept + 1 > maxBytes) {
                    truncated = true;
                    break;
                }
                kept++;
                if (b == '\n') {
                    completed.add(complete(stream, partial));
                } else {
                    // A NUL is kept as U+2400 (the symbol for NUL, three bytes of UTF-8): PostgreSQL stores no NUL in
                    // text or JSON, and one in a line made the run's record fail (a 500, the run left running)
                    if (b == 0) {
                        partial.writeBytes(NUL_SYMBOL);
                    } else {
                        partial.write(b);
                    }
                }
            }
        }
        completed.forEach(this::announce);
    }

    /** The output is over: a last line without a newline is kept (not one the cap cut). See {@link #end}. */
    public void finish() {
        List<Line> completed = new ArrayList<>();
        synchronized (this) {
            if (ended) {
                return;
            }
            // A last line without its newline is kept, unless the cap cut it: only whole lines past a truncation.
            if (partialOut.size() > 0 && !truncated) {
                completed.add(complete(Stream.STDOUT, partialOut));
            }
            if (partialErr.size() > 0 && !truncated) {
                completed.add(complete(Stream.STDERR, partialErr));
            }
            ended = true;
        }
        completed.forEach(this::announce);
    }

    /** The run is recorded with {@code status}: listeners hear the end, with it. */
    public void end(String status) {
        finish();
        synchronized (this) {
            if (endStatus != null) {
                return;
            }
            endStatus = status;
        }
        onEnd.forEach(listener -> listener.accept(status));
    }

    /**
     * The engine's complete read of the output, made once the container exited or the live feed reached the cap,
     * becomes the output, and nothing more is accepted. The live feed may have skipped lines: Podman's followed log
     * stream drops what a reader has not taken yet when the container writes faster (and whole stretches once the
     * container exits), while a read that is not followed has every line. When the two differ, listeners hear
     * {@link Stream#RESET} and then every line again, stdout then stderr.
     */
    public void settle(OutputCollector complete) {
        complete.finish();
        List<Line> replay = new ArrayList<>();
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            List<String> out = complete.stdout();
            List<String> err = complete.stderr();
            boolean cut = complete.truncated();
            boolean same = out.equals(stdout) && err.equals(stderr) && cut == truncated
                    && partialOut.size() == 0 && partialErr.size() == 0;
            if (same) {
                return;
            }
            stdout.clear();
            stdout.addAll(out);
            stderr.clear();
            stderr.addAll(err);
            truncated = cut;
            kept = complete.kept();
            partialOut.reset();
            partialErr.reset();
            replay.add(new Line(Stream.RESET, "the live feed skipped lines: the whole output follows"));
            out.forEach(l -> replay.add(new Line(Stream.STDOUT, l)));
            err.forEach(l -> replay.add(new Line(Stream.STDERR, l)));
        }
        replay.forEach(this::announce);
    }

    private synchronized long kept() {
        return kept;
    }

    /** Whether the cap has been reached (the engine may stop reading). */
    public synchronized boolean full() {
        return truncated;
    }

    public synchronized boolean truncated() {
        return truncated;
    }

    public synchronized boolean ended() {
        return ended;
    }

    public synchronized List<String> stdout() {
        return List.copyOf(stdout);
    }

    public synchronized List<String> stderr() {
        return List.copyOf(stderr);
    }

    /**
     * Subscribes to the lines from now on, after handing over those already kept; {@code end} hears the recorded
     * status once the run is over (at once if it already is).
     */
    public void subscribe(Consumer<Line> listener, Consumer<String> end) {
        List<Line> sofar = new ArrayList<>();
        String over;
        synchronized (this) {
            stdout.forEach(l -> sofar.add(new Line(Stream.STDOUT, l)));
            stderr.forEach(l -> sofar.add(new Line(Stream.STDERR, l)));
            over = endStatus;
            if (over == null) {
                listeners.add(listener);
                onEnd.add(end);
            }
        }
        sofar.forEach(listener);
        if (over != null) {
            end.accept(over);
        }
    }

    public void unsubscribe(Consumer<Line> listener, Consumer<String> end) {
        listeners.remove(listener);
        onEnd.remove(end);
    }

    private Line complete(Stream stream, ByteArrayOutputStream partial) {
        String text = partial.toString(StandardCharsets.UTF_8);
        partial.reset();
        (stream == Stream.STDOUT ? stdout : stderr).add(text);
        return new Line(stream, text);
    }

    private void announce(Line line) {
        for (Consumer<Line> listener : listeners) {
            try {
                listener.accept(line);
            } catch (RuntimeException e) {
                listeners.remove(listener);
            }
        }
    }
}
