package dev.warden.runner.engine;

import com.github.dockerjava.transport.DockerHttpClient;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The engine's HTTP transport, which starts again on new connections once it meets one of its pooled connections dead.
 * docker-java's client pools its connections and never checks them before use: after a trial's Podman API restarted
 * (the launcher brings it back in a tenth of a second), its first runs each met a connection to the dead process
 * ("Broken pipe") and were recorded as errors, one per connection the pool held. Here the first call that meets one
 * replaces the whole pool, and is sent again on the new one when that is safe: always when the request could not be
 * written ({@code Broken pipe}: the engine never read it), otherwise only for a request the engine may receive twice
 * (GET, HEAD, PUT, DELETE, OPTIONS).
 */
final class FreshConnections implements DockerHttpClient {

    private static final Logger LOG = Logger.getLogger(FreshConnections.class);
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");

    private final Supplier<DockerHttpClient> pool;
    private final String engine;
    private volatile DockerHttpClient current;
    /** Pools replaced, closed with this one: a call still under way on one finishes there. */
    private final List<DockerHttpClient> retired = new CopyOnWriteArrayList<>();

    FreshConnections(Supplier<DockerHttpClient> pool, String engine) {
        this.pool = pool;
        this.engine = engine;
        this.current = pool.get();
    }

    @Override
    public Response execute(Request request) {
        DockerHttpClient used = current;
        try {
            return used.execute(request);
        } catch (RuntimeException e) {
            Dead dead = dead(e);
            if (dead == Dead.NO) {
                throw e;
            }
            renew(used, e);
            boolean replayable = request.hijackedInput() == null && (request.body() == null || request.bodyBytes() != null);
            if (!replayable || (dead == Dead.AFTER_WRITING && !IDEMPOTENT.contains(request.method()))) {
                throw e;
            }
            return current.execute(request);
        }
    }

    @Override
    public void close() throws IOException {
        for (DockerHttpClient old : retired) {
            old.close();
        }
        current.close();
    }

    private synchronized void renew(DockerHttpClient dead, RuntimeException why) {
        if (current != dead) {
            return; // another call renewed it already
        }
        retired.add(dead);
        current = pool.get();
        LOG.infof("A connection to the container engine at %s was dead (%s): its calls go on new connections", engine,
                why.getMessage());
    }

    /** How a call failed on a dead connection, if it did. */
    enum Dead { NO, BEFORE_WRITING, AFTER_WRITING }

    static Dead dead(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof IOException && message.contains("Broken pipe")) {
                return Dead.BEFORE_WRITING;
            }
            if (t instanceof NoHttpResponseException || (t instanceof SocketException && message.contains("Connection reset"))) {
                return Dead.AFTER_WRITING;
            }
        }
        return Dead.NO;
    }
}
