package dev.warden.registry.overview;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Which organizations' registry changed, on every replica: the projector's transaction sends {@code NOTIFY} with the
 * organization (delivered on commit, so a listener never sees a change before it can read it), and each replica
 * LISTENs on one connection and fans the organization out to its open streams and its {@link KeptAnswers}. One
 * connection per replica, whatever the number of streams; a replica applying a batch need not be the one holding the
 * stream. A rebuild notifies {@link #EVERY_ORGANIZATION} (registry_rebuild_start).
 */
@ApplicationScoped
public class RegistryChanges {

    public static final String CHANNEL = "warden_registry_changed";
    /** The payload that names every organization: the projection was emptied for a rebuild. */
    static final String EVERY_ORGANIZATION = "*";
    private static final long RECONNECT_MILLIS = 1_000L;
    /** The LISTEN connection's client meters: {@code postgresql_*} with {@code clientName="registry-changes"}. */
    static final String METRICS_NAME = "postgresql|registry-changes";
    private static final Logger LOG = Logger.getLogger(RegistryChanges.class);

    private final BroadcastProcessor<UUID> changes = BroadcastProcessor.create();
    private final KeptAnswers kept;
    private final String url;
    private final Optional<String> user;
    private final Optional<String> password;
    private PgSubscriber subscriber;
    private volatile boolean stopped;

    public RegistryChanges(@ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
                           @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
                           @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password,
                           @ConfigProperty(name = "warden.registry.kept-for", defaultValue = "1s") Duration keptFor,
                           MeterRegistry meters) {
        this.kept = new KeptAnswers(keptFor);
        this.url = url;
        this.user = user;
        this.password = password;
        Gauge.builder("warden.registry.listening", kept, k -> k.listening() ? 1 : 0)
                .description("1 while this replica LISTENs for registry changes, so GET /v1/registry may serve kept answers")
                .register(meters);
    }

    /**
     * {@code transaction} applies events of {@code org} in this replica: its kept answers are set aside from its start
     * until it has ended, so a request right after the commit reads what it applied (other replicas wait for the NOTIFY).
     */
    public <T> Uni<T> applying(UUID org, Uni<T> transaction) {
        return kept.applying(org, transaction);
    }

    /** {@code transaction} empties the projection for a rebuild: every kept answer is set aside, as by {@link #applying}. */
    public <T> Uni<T> resetting(Uni<T> transaction) {
        return kept.resetting(transaction);
    }

    /** The answers kept by this replica, valid while it listens and hears of no change. */
    KeptAnswers kept() {
        return kept;
    }

    void onStart(@Observes StartupEvent event, Vertx vertx) {
        PgConnectOptions options = PgConnectOptions.fromUri(url);
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        // Metered as Quarkus meters its pools ("<namespace>|<client name>"): unnamed, its meters had no valid name.
        options.setMetricsName(METRICS_NAME);
        // Lost, the connection is opened again (and LISTENs again) every second; until then nothing is kept or served.
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(attempt -> RECONNECT_MILLIS);
        subscriber.channel(CHANNEL)
                .subscribeHandler(() -> {
                    io.vertx.pgclient.PgConnection listening = subscriber.getDelegate().actualConnection();
                    if (listening != null) {
                        // Its loss closes it and the subscriber reconnects; without a handler Vert.x printed each
                        // failure to standard error, outside the log format
                        listening.exceptionHandler(e -> LOG.debugf("The registry's listening connection failed: %s", e));
                    }
                    kept.listening(() -> listening != null && subscriber.getDelegate().actualConnection() == listening);
                    LOG.debug("Listening for registry changes");
                })
                .handler(this::heard);
        connect(vertx);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        kept.notListening();
        if (subscriber != null) {
            subscriber.closeAndAwait();
        }
    }

    /** The first connection is tried until it opens; the subscriber itself reconnects only a connection it had. */
    private void connect(Vertx vertx) {
        if (stopped) {
            return;
        }
        subscriber.connect().subscribe().with(connected -> { },
                failure -> {
                    LOG.warnf("Registry streams and kept answers wait for the database: %s", failure.getMessage());
                    subscriber.close().subscribe().with(closed -> vertx.setTimer(RECONNECT_MILLIS, t -> connect(vertx)),
                            ignored -> vertx.setTimer(RECONNECT_MILLIS, t -> connect(vertx)));
                });
    }

    private void heard(String payload) {
        if (EVERY_ORGANIZATION.equals(payload)) {
            kept.changedAll();
            return;
        }
        UUID org;
        try {
            org = UUID.fromString(payload);
        } catch (IllegalArgumentException e) {
            LOG.debugf("Ignored a notification that names no organization: %s", payload);
            return;
        }
        kept.changed(org);
        changes.onNext(org);
    }

    /** The changes of one organization, from now on. */
    public Multi<UUID> of(UUID org) {
        return changes.filter(org::equals);
    }
}
