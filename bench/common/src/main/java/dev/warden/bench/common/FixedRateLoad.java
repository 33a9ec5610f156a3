package dev.warden.bench.common;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load, as wrk2 makes one: request {@code i} is due at {@code start + i / rate} and goes out then on a
 * free connection, whatever earlier requests are still waiting for, and its latency runs from when it was due to when
 * the last byte of its body has arrived. A server that falls behind therefore shows in the latencies instead of slowing
 * the load down (no coordinated omission), which wrk's closed loop cannot do. HTTP/1.1 on {@link #CONNECTIONS}
 * kept-alive connections; a request due while all are busy waits for one, and that wait counts in its latency.
 * <p>
 * It is one thread on a NIO selector (and one that wakes it when a request is due) that reads every answer into one
 * reused buffer and only parses what HTTP/1.1 framing needs (the status, {@code Content-Length} or chunks): the
 * answers it was written for are 395 KB, and at half the registry's maximum rate that is 2.5 GB/s, which a client that
 * builds a response object and a buffer per answer cannot read on two shared cores beside the server. wrk2, the tool
 * that measures this, is not packaged here. Two clients came before this one: the JDK's {@code HttpClient} (a
 * connection per request in flight) fell behind on its own at 5,000 answers/s, and Vert.x's client took enough of the
 * two cores that even the static answer's p99 at that rate was 682 ms.
 */
public final class FixedRateLoad {

    /** Connections, as wrk2 keeps a fixed set; the closed-loop runs of the same benchmark use 16. */
    public static final int CONNECTIONS = 64;

    /**
     * Requests/s asked for, the latencies of the answered measured requests, answers other than 200 plus failures,
     * measured requests not answered within 30 s of the last being due, and the requests sent in all (warm-up
     * included), to divide the CPU a caller measured around the run by.
     */
    public record Result(double rate, Latencies latencies, long errors, long late, long sent) {
    }

    private FixedRateLoad() {
    }

    /** Loads {@code uri} at {@code rate} requests/s for {@code warmup} (not measured) then {@code duration}. */
    public static Result run(URI uri, Map<String, String> headers, double rate, Duration warmup, Duration duration)
            throws IOException {
        return new Run(uri, headers, rate, warmup, duration).call();
    }

    /** One run's state; the selector's thread is the only one that touches it. */
    private static final class Run {
        private final InetSocketAddress address;
        private final ByteBuffer request;
        private final long interval;
        private final long skip;
        private final int measured;
        private final long[] latencies;
        private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
        private final ArrayDeque<Connection> idle = new ArrayDeque<>();
        private Selector selector;
        private long start;
        private int answered;
        private long errors;
        private long sent;

        Run(URI uri, Map<String, String> headers, double rate, Duration warmup, Duration duration) {
            int port = uri.getPort() != -1 ? uri.getPort() : 80;
            address = new InetSocketAddress(uri.getHost(), port);
            StringBuilder head = new StringBuilder("GET ").append(uri.getRawPath())
                    .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                    .append(" HTTP/1.1\r\nHost: ").append(uri.getHost()).append(':').append(port).append("\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            byte[] bytes = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
            request = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
            interval = (long) (1e9 / rate);
            skip = warmup.toNanos() / interval;
            measured = (int) (duration.toNanos() / interval);
            latencies = new long[measured];
        }

        Result call() throws IOException {
            selector = Selector.open();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    idle.add(connect());
                }
                load();
            } finally {
                for (SelectionKey key : selector.keys()) {
                    key.channel().close();
                }
                selector.close();
            }
            long[] complete = new long[answered];
            for (int i = 0, j = 0; i < measured && j < answered; i++) {
                if (latencies[i] > 0) {
                    complete[j++] = latencies[i];
                }
            }
            return new Result(1e9 / interval, Latencies.of(complete, complete.length), errors, measured - answered,
                    sent);
        }

        private Connection connect() throws IOException {
            SocketChannel channel = SocketChannel.open(address);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.configureBlocking(false);
            Connection c = new Connection(channel);
            channel.register(selector, SelectionKey.OP_READ, c);
            return c;
        }

        private void load() throws IOException {
            long total = skip + measured;
            long due = 0;      // requests due so far
            long issued = 0;   // requests sent so far; those between were due while every connection was busy
            start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
            // The selector waits in milliseconds: a second thread wakes it when each request is due, so neither a
            // send nor the reading of an answer that arrives meanwhile waits for the next millisecond.
            Thread waker = Thread.ofPlatform().daemon().name("fixed-rate-waker").start(() -> {
                for (long i = 0; i < total && !Thread.currentThread().isInterrupted(); i++) {
                    long wait = start + i * interval - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    selector.wakeup();
                }
            });
            try {
                long deadline = Long.MAX_VALUE;
                while (true) {
                    long now = System.nanoTime();
                    while (due < total && start + due * interval <= now) {
                        due++;
                    }
                    while (issued < due && !idle.isEmpty()) {
                        send(idle.poll(), issued++);
                    }
                    if (issued == total) {
                        if (idle.size() == CONNECTIONS) {
                            return;
                        }
                        if (deadline == Long.MAX_VALUE) {
                            deadline = now + TimeUnit.SECONDS.toNanos(30);
                        } else if (now > deadline) {
                            return;
                        }
                    }
                    long wait = due < total ? start + due * interval - now : TimeUnit.MILLISECONDS.toNanos(100);
                    int ready = wait > 0 ? selector.select(wait / 1_000_000 + 1) : selector.selectNow();
                    if (ready > 0) {
                        for (SelectionKey key : selector.selectedKeys()) {
                            read((Connection) key.attachment());
                        }
                        selector.selectedKeys().clear();
                    }
                }
            } finally {
                waker.interrupt();
            }
        }

        private void send(Connection c, long index) throws IOException {
            c.begin(start + index * interval, (int) (index - skip));
            ByteBuffer out = request.duplicate();
            c.channel.write(out);
            if (out.hasRemaining()) {
                // An idle kept-alive connection has an empty send buffer; a few hundred bytes always fit.
                throw new IOException("a request of " + request.remaining() + " bytes did not fit the socket");
            }
            sent++;
        }

        private void read(Connection c) throws IOException {
            while (true) {
                in.clear();
                int n;
                try {
                    n = c.channel.read(in);
                } catch (IOException e) {
                    n = -1;
                }
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    // The server closed the connection: what was in flight failed; a new connection takes its place.
                    if (c.inFlight) {
                        finish(c, false);
                    }
                    idle.remove(c);
                    c.channel.close();
                    idle.add(connect());
                    return;
                }
                in.flip();
                while (in.hasRemaining()) {
                    if (!c.inFlight) {
                        throw new IOException("bytes arrived on a connection with no request in flight");
                    }
                    if (c.parse(in)) {
                        boolean close = c.close;
                        finish(c, c.status == 200);
                        if (close) {
                            c.channel.close();
                            idle.add(connect());
                            return;
                        }
                        idle.add(c);
                    }
                }
            }
        }

        private void finish(Connection c, boolean ok) {
            if (!ok) {
                errors++;
            }
            if (c.slot >= 0) {
                latencies[c.slot] = Math.max(1, System.nanoTime() - c.due);
                answered++;
            }
            c.inFlight = false;
        }
    }

    /** A connection and where it is in reading the answer to its request in flight. */
    private static final class Connection {
        private static final int STATUS = 0, HEADERS = 1, BODY = 2, CHUNK_SIZE = 3, CHUNK_DATA = 4, CHUNK_END = 5,
                TRAILERS = 6;

        final SocketChannel channel;
        boolean inFlight;
        long due;
        int slot;
        int state;
        int status;
        long remaining;
        boolean chunked;
        boolean close;
        private final byte[] line = new byte[16 * 1024];
        private int length;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        void begin(long due, int slot) {
            this.inFlight = true;
            this.due = due;
            this.slot = slot;
            state = STATUS;
            remaining = -1;
            chunked = false;
            close = false;
            length = 0;
        }

        /** Consumes bytes of the answer; true when the answer is complete (the rest of {@code in} is not its). */
        boolean parse(ByteBuffer in) throws IOException {
            while (in.hasRemaining()) {
                if (state == BODY || state == CHUNK_DATA) {
                    int take = (int) Math.min(remaining, in.remaining());
                    in.position(in.position() + take);
                    remaining -= take;
                    if (remaining == 0) {
                        if (state == BODY) {
                            return true;
                        }
                        state = CHUNK_END;
                    }
                    continue;
                }
                if (!line(in)) {
                    return false;
                }
                String text = new String(line, 0, length, StandardCharsets.US_ASCII);
                length = 0;
                switch (state) {
                    case STATUS -> {
                        if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
                            throw new IOException("not an HTTP/1.1 status line: " + text);
                        }
                        status = Integer.parseInt(text.substring(9, 12));
                        state = HEADERS;
                    }
                    case HEADERS -> {
                        if (!text.isEmpty()) {
                            header(text);
                        } else if (chunked) {
                            state = CHUNK_SIZE;
                        } else if (remaining > 0) {
                            state = BODY;
                        } else if (remaining == 0) {
                            return true;
                        } else {
                            throw new IOException("an answer with neither Content-Length nor chunks");
                        }
                    }
                    case CHUNK_SIZE -> {
                        int end = text.indexOf(';');
                        remaining = Long.parseLong((end < 0 ? text : text.substring(0, end)).trim(), 16);
                        state = remaining == 0 ? TRAILERS : CHUNK_DATA;
                    }
                    case CHUNK_END -> state = CHUNK_SIZE;
                    case TRAILERS -> {
                        if (text.isEmpty()) {
                            return true;
                        }
                    }
                    default -> throw new IllegalStateException("state " + state);
                }
            }
            return false;
        }

        private void header(String text) {
            int colon = text.indexOf(':');
            if (colon < 0) {
                return;
            }
            String name = text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = text.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> remaining = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "connection" -> close = value.contains("close");
                default -> {
                }
            }
        }

        /** Reads up to the end of a line into {@code line} (without CR LF); false if {@code in} ended first. */
        private boolean line(ByteBuffer in) throws IOException {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    if (length > 0 && line[length - 1] == '\r') {
                        length--;
                    }
                    return true;
                }
                if (length == line.length) {
                    throw new IOException("a header line longer than " + line.length + " bytes");
                }
                line[length++] = b;
            }
            return false;
        }
    }
}
