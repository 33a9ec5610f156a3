package dev.warden.registry.overview;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.UUID;

/**
 * Which organizations' registry changed, on every replica: the projector's transaction sends {@code NOTIFY} with the
 * organization (delivered on commit, so a listener never sees a change before it can read it), and each replica
 * LISTENs on one connection and fans the organization out to its open streams. One connection per replica, whatever
 * the number of streams; a replica applying a batch need not be the one holding the stream.
 */
@ApplicationScoped
public class RegistryChanges {

    static final String CHANNEL = "warden_registry_changed";
    private static final Logger LOG = Logger.getLogger(RegistryChanges.class);

    private final BroadcastProcessor<UUID> changes = BroadcastProcessor.create();
    private final String url;
    private final Optional<String> user;
    private final Optional<String> password;
    private PgSubscriber subscriber;

    public RegistryChanges(@ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
                           @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
                           @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /**
     * Within the projector's transaction: the organization's registry changed. Moves its revision to this transaction's
     * id (see {@link RegistryRepository#revision}) and notifies every replica, in one statement.
     */
    public static Uni<Void> announce(SqlConnection conn, UUID org) {
        return conn.preparedQuery("""
                        WITH moved AS (INSERT INTO registry_revisions (org_id, revision)
                                       VALUES ($1::uuid, pg_current_xact_id()::text::bigint)
                                       ON CONFLICT (org_id) DO UPDATE SET revision = excluded.revision RETURNING org_id)
                        SELECT pg_notify('""" + CHANNEL + "', org_id::text) FROM moved")
                .execute(Tuple.of(org.toString())).replaceWithVoid();
    }

    void onStart(@Observes StartupEvent event, Vertx vertx) {
        PgConnectOptions options = PgConnectOptions.fromUri(url);
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(attempt -> 1_000L);
        subscriber.channel(CHANNEL).handler(payload -> {
            try {
                changes.onNext(UUID.fromString(payload));
            } catch (IllegalArgumentException e) {
                LOG.debugf("Ignored a notification that names no organization: %s", payload);
            }
        });
        subscriber.connect().subscribe().with(connected -> LOG.debug("Listening for registry changes"),
                failure -> LOG.warnf("Registry streams wait for the database: %s", failure.getMessage()));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (subscriber != null) {
            subscriber.closeAndAwait();
        }
    }

    /** The changes of one organization, from now on. */
    public Multi<UUID> of(UUID org) {
        return changes.filter(org::equals);
    }
}
