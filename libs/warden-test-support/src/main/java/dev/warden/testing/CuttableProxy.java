package dev.warden.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of PostgreSQL or Kafka that a test can cut: {@link #cut()} closes every connection through it
 * and refuses new ones (the port is closed, so a client sees "connection refused"), {@link #restore()} listens again on
 * the same port. From the service's side that is a real outage of the server behind it, while the server itself keeps
 * running for every other test of the JVM.
 */
public final class CuttableProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final int port;
    /** Each open connection's server side, by its client side. */
    private final Map<Socket, Socket> upstreamOf = new ConcurrentHashMap<>();
    /** Client sides left open after their server side went: see {@link #strand()}. */
    private final Set<Socket> stranded = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refusedUpstream = new AtomicLong();
    private volatile String lastFailure = "none";
    private ServerSocket listener;
    private volatile boolean silent;

    private CuttableProxy(String targetHost, int targetPort, int port) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.port = port;
    }

    /** A proxy on a free port of 127.0.0.1, forwarding to {@code targetHost:targetPort}, already listening. */
    public static CuttableProxy start(String targetHost, int targetPort) {
        CuttableProxy proxy = new CuttableProxy(targetHost, targetPort, LocalKafka.freePort());
        proxy.restore();
        return proxy;
    }

    public int port() {
        return port;
    }

    public int targetPort() {
        return targetPort;
    }

    /** Closes every connection through the proxy and refuses new ones until {@link #restore()}. */
    public synchronized void cut() {
        closeQuietly(listener);
        listener = null;
        upstreamOf.forEach((client, upstream) -> {
            closeQuietly(client);
            closeQuietly(upstream);
        });
        upstreamOf.clear();
        stranded.forEach(CuttableProxy::closeQuietly);
        stranded.clear();
    }

    /**
     * Every connection open now loses its server without a word, as when a server vanishes behind a network that drops
     * its packets: the server's side is closed (the session ends there, and what it held, such as an advisory lock, is
     * released), while the client's side stays open and never hears another byte; what the client sends is dropped.
     * New connections go through as before. {@link #cut()} or {@link #close()} finally closes the stranded ones.
     */
    public synchronized void strand() {
        upstreamOf.forEach((client, upstream) -> {
            stranded.add(client);
            closeQuietly(upstream);
        });
    }

    /**
     * The server behind stops answering while connections stay open and new ones are accepted, as a hung server or a
     * network dropping packets does: nothing is refused or closed, every request simply waits.
     */
    public synchronized void silence() {
        silent = true;
    }

    /**
     * Accepts and forwards connections again, on the same port; after {@link #silence()}, as after a cut; the connections
     * {@link #strand()} left open are closed.
     */
    public synchronized void restore() {
        if (silent) {
            cut(); // the bytes swallowed meanwhile leave every open connection out of step
            silent = false;
        }
        stranded.forEach(CuttableProxy::closeQuietly); // what the system would end after its own timeouts
        stranded.clear();
        if (listener != null) {
            return;
        }
        ServerSocket server = bind();
        listener = server;
        Thread.ofVirtual().name("cuttable-proxy-" + port).start(() -> accept(server));
    }

    @Override
    public void close() {
        cut();
    }

    /** The port is ours, but a listener just closed releases it only once its accepting thread has let go. */
    private ServerSocket bind() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                ServerSocket server = new ServerSocket();
                server.setReuseAddress(true);
                try {
                    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                    return server;
                } catch (BindException stillHeld) {
                    server.close();
                    if (System.nanoTime() > deadline) {
                        throw stillHeld;
                    }
                    Thread.sleep(10);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not listen on " + port, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** What a failing test reports: whether the proxy listens, and what became of the connections it accepted. */
    public synchronized String describe() {
        return "proxy :%d -> %s:%d %s%s, %d connections open, %d stranded, %d accepted, %d not connected upstream, last failure: %s"
                .formatted(port, targetHost, targetPort, listener == null ? "cut" : "listening", silent ? " (silent)" : "",
                        upstreamOf.size(), stranded.size(), accepted.get(), refusedUpstream.get(), lastFailure);
    }

    /** Accepts only: each connection reaches the server on a thread of its own, so one slow connect holds up no other. */
    private void accept(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                accepted.incrementAndGet();
                Thread.ofVirtual().start(() -> connect(server, client));
            } catch (IOException e) {
                // The listener was closed by cut(), or one connection failed: the next accept tells which.
                if (!server.isClosed()) {
                    lastFailure = "accept: " + e;
                }
            }
        }
    }

    private void connect(ServerSocket server, Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
        } catch (IOException e) {
            refusedUpstream.incrementAndGet();
            lastFailure = "upstream: " + e;
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        if (register(server, client, upstream)) {
            Thread.ofVirtual().start(() -> pump(client, upstream));
            pump(upstream, client);
        }
    }

    /** False, and both closed, when a cut came between accept and here. */
    private synchronized boolean register(ServerSocket server, Socket client, Socket upstream) {
        if (listener != server) {
            closeQuietly(client);
            closeQuietly(upstream);
            return false;
        }
        upstreamOf.put(client, upstream);
        return true;
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        // Not closed by a try-with-resources: closing a socket's stream closes the socket, and a stranded one stays open.
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (!silent && !stranded.contains(from)) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException closed) {
            // Either side went away, or the proxy was cut.
        } finally {
            for (Socket socket : List.of(from, to)) {
                upstreamOf.remove(socket);
                if (!stranded.contains(socket)) {
                    closeQuietly(socket);
                }
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }
}
