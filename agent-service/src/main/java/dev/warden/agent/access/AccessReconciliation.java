package dev.warden.agent.access;

import dev.warden.agent.lifecycle.Agent;
import dev.warden.events.EventTypes;
import dev.warden.events.access.AccessEvents;
import dev.warden.events.access.AccessEvents.ApiKey;
import dev.warden.events.access.AccessEvents.Organization;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.AccessDirectory;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Brings {@code warden.access.v1} back to what agent-service stores, always toward the more restrictive side, each time
 * agent-service starts. Every service's {@link AccessDirectory} believes the topic, which holds each key and
 * organization as last published. After agent-service's database is restored to an earlier point the topic is ahead
 * of it (a user trial, docs/deploy.md "Restoring a backup"): a key created after that point opened every service and
 * could not be revoked through the API (404), a key or an organization made usable again by the restore showed usable
 * in agent-service only, and a revocation or a disabling made after it was gone from the database. Once this replica's
 * directory has read the whole topic:
 * <ul>
 *   <li>a key the database does not hold, published usable, is published again revoked (by {@value #ACTOR});</li>
 *   <li>a key published revoked that the database holds unrevoked is revoked in the database too;</li>
 *   <li>a key published usable that the database holds revoked is published again as stored;</li>
 *   <li>an organization the database does not hold, published active, is published again disabled;</li>
 *   <li>an organization published disabled that the database holds active is disabled in the database too;</li>
 *   <li>an organization published active that the database holds disabled is published again as stored.</li>
 * </ul>
 * In normal operation none of these happens, since a change is published only after it commits; a change whose
 * event is still in the outbox can meet the third or sixth case, and its state then goes out twice, the same. Each
 * correction goes through the outbox, so every service, and the audit chain, sees it.
 */
@ApplicationScoped
public class AccessReconciliation {

    /** Who the corrections name as their author ({@code revoked_by}). */
    public static final String ACTOR = "access-reconciliation";
    private static final Logger LOG = Logger.getLogger(AccessReconciliation.class);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    private final TenantDb db;
    private final AccessRepository repository;
    private final Outbox outbox;
    private final AccessDirectory directory;

    public AccessReconciliation(TenantDb db, AccessRepository repository, Outbox outbox, AccessDirectory directory) {
        this.db = db;
        this.repository = repository;
        this.outbox = outbox;
        this.directory = directory;
    }

    /** What one reconciliation corrected, by case. */
    public record Corrections(int keysRevokedOnTopic, int keysRevokedInDatabase, int keysRepublished,
                              int organizationsDisabledOnTopic, int organizationsDisabledInDatabase,
                              int organizationsRepublished) {

        public int total() {
            return keysRevokedOnTopic + keysRevokedInDatabase + keysRepublished + organizationsDisabledOnTopic
                    + organizationsDisabledInDatabase + organizationsRepublished;
        }
    }

    /** In the background, tried again while the broker or the database cannot be reached; the service starts meanwhile. */
    void onStart(@Observes @Priority(StartupOrder.BOOTSTRAP + 1) StartupEvent event) {
        reconcile().onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).atMost(100)
                .subscribe().with(c -> {
                    if (c.total() > 0) {
                        LOG.warnf("warden.access.v1 differed from agent-service's database (restored to an earlier point?): "
                                + "corrected %s", c);
                    }
                }, failure -> LOG.errorf(failure, "Could not compare warden.access.v1 with agent-service's database"));
    }

    /** Compares the whole topic, as this replica's directory has read it, with the database, and corrects both. */
    public Uni<Corrections> reconcile() {
        return directory.current(CATCH_UP).chain(() -> {
            Counts counts = new Counts();
            List<Organization> organizations = directory.organizations();
            Map<UUID, List<ApiKey>> keysByOrganization = directory.keys().stream()
                    .collect(Collectors.groupingBy(ApiKey::orgId));
            return each(organizations, published -> db.asPlatform(conn -> organization(conn, published, counts)))
                    .chain(() -> each(List.copyOf(keysByOrganization.entrySet()), keys -> db.inOrg(keys.getKey(),
                            conn -> each(keys.getValue(), published -> key(conn, keys.getKey(), published, counts)))))
                    .map(done -> counts.corrections());
        });
    }

    private Uni<Void> organization(SqlConnection conn, Organization published, Counts counts) {
        UUID id = published.id();
        return repository.lockOrganization(conn, id).chain(stored -> {
            if (stored == null) {
                return !published.active() ? done() : emitOrganization(conn, counts.organizationsDisabledOnTopic,
                        new Organization(id, published.name(), "disabled", published.createdAt(), Agent.now()));
            }
            if (!published.active() && "active".equals(stored.status())) {
                OrganizationRecord disabled = new OrganizationRecord(id, stored.name(), published.status(),
                        stored.createdAt(), Agent.now(), stored.outboundAllowList());
                return repository.updateOrganizationStatus(conn, id, disabled.status(), disabled.updatedAt())
                        .chain(() -> emitOrganization(conn, counts.organizationsDisabledInDatabase, disabled.event()));
            }
            if (published.active() && !"active".equals(stored.status())) {
                return emitOrganization(conn, counts.organizationsRepublished, stored.event());
            }
            return done();
        });
    }

    private Uni<Void> key(SqlConnection conn, UUID org, ApiKey published, Counts counts) {
        return repository.findKey(conn, published.id()).chain(stored -> {
            if (stored == null) {
                return published.revoked() ? done() : emitKey(conn, org, counts.keysRevokedOnTopic, new ApiKey(
                        published.id(), org, published.name(), published.role(), published.secretSha256(),
                        published.prefix(), published.expiresAt(), true, published.createdAt(), published.createdBy(), ACTOR));
            }
            if (published.revoked() && stored.revokedAt() == null) {
                String by = published.revokedBy() == null ? ACTOR : published.revokedBy();
                return repository.revokeKey(conn, stored.id(), Agent.now(), by).chain(revoked -> revoked == null ? done()
                        : emitKey(conn, org, counts.keysRevokedInDatabase, revoked.event()));
            }
            if (!published.revoked() && stored.revokedAt() != null) {
                return emitKey(conn, org, counts.keysRepublished, stored.event());
            }
            return done();
        });
    }

    private Uni<Void> emitOrganization(SqlConnection conn, AtomicInteger counted, Organization state) {
        counted.incrementAndGet();
        return outbox.emit(conn, state.id(), EventTypes.ORGANIZATION, AccessEvents.organizationKey(state.id()), state)
                .replaceWithVoid();
    }

    private Uni<Void> emitKey(SqlConnection conn, UUID org, AtomicInteger counted, ApiKey state) {
        counted.incrementAndGet();
        return outbox.emit(conn, org, EventTypes.API_KEY, AccessEvents.apiKeyKey(state.id()), state).replaceWithVoid();
    }

    /** {@code work} for each item, one after another. */
    private static <T> Uni<Void> each(List<T> items, Function<T, Uni<Void>> work) {
        return Multi.createFrom().iterable(items).onItem().transformToUniAndConcatenate(work::apply).collect().last()
                .replaceWithVoid();
    }

    private static Uni<Void> done() {
        return Uni.createFrom().voidItem();
    }

    private static final class Counts {
        final AtomicInteger keysRevokedOnTopic = new AtomicInteger();
        final AtomicInteger keysRevokedInDatabase = new AtomicInteger();
        final AtomicInteger keysRepublished = new AtomicInteger();
        final AtomicInteger organizationsDisabledOnTopic = new AtomicInteger();
        final AtomicInteger organizationsDisabledInDatabase = new AtomicInteger();
        final AtomicInteger organizationsRepublished = new AtomicInteger();

        Corrections corrections() {
            return new Corrections(keysRevokedOnTopic.get(), keysRevokedInDatabase.get(), keysRepublished.get(),
                    organizationsDisabledOnTopic.get(), organizationsDisabledInDatabase.get(), organizationsRepublished.get());
        }
    }
}
