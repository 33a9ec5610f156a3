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
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

    /** The cases the reconciliation corrects. */
    public enum Correction {
        KEY_REVOKED_ON_TOPIC, KEY_REVOKED_IN_DATABASE, KEY_REPUBLISHED,
        ORGANIZATION_DISABLED_ON_TOPIC, ORGANIZATION_DISABLED_IN_DATABASE, ORGANIZATION_REPUBLISHED
    }

    /** What one reconciliation corrected, by case, counted once each correction committed. */
    public record Corrections(Map<Correction, Long> made) {

        public long of(Correction correction) {
            return made.getOrDefault(correction, 0L);
        }

        public long total() {
            return made.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** In the background, tried again while the broker or the database cannot be reached; the service starts meanwhile. */
    void onStart(@Observes @Priority(StartupOrder.BOOTSTRAP + 1) StartupEvent event) {
        reconcile().onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).atMost(100)
                .subscribe().with(c -> {
                    if (c.total() > 0) {
                        LOG.warnf("warden.access.v1 differed from agent-service's database (restored to an earlier point?): "
                                + "corrected %s", c.made());
                    } else {
                        // Said either way, so that an operator who restored a database sees that the comparison ran
                        LOG.info("warden.access.v1 agrees with agent-service's database: nothing to correct");
                    }
                }, failure -> LOG.errorf(failure, "Could not compare warden.access.v1 with agent-service's database"));
    }

    /**
     * Compares the whole topic, as this replica's directory has read it, with the database, and corrects both: the
     * organizations read at once, each one that differs corrected under its row's lock; the keys an organization at a
     * time, in one transaction each.
     */
    public Uni<Corrections> reconcile() {
        return directory.current(CATCH_UP).chain(() -> {
            List<Organization> organizations = directory.organizations();
            Map<UUID, List<ApiKey>> keysByOrganization = directory.keys().stream()
                    .collect(Collectors.groupingBy(ApiKey::orgId));
            Uni<List<Correction>> ofOrganizations = db.asPlatform(repository::allOrganizations).chain(stored -> {
                Map<UUID, OrganizationRecord> byId = stored.stream()
                        .collect(Collectors.toMap(OrganizationRecord::id, Function.identity()));
                List<Organization> differing = organizations.stream()
                        .filter(published -> correction(published, byId.get(published.id())) != null).toList();
                return each(differing, published -> db.asPlatform(conn -> repository.lockOrganization(conn, published.id())
                        .chain(locked -> correct(conn, published, locked))));
            });
            Uni<List<Correction>> ofKeys = each(List.copyOf(keysByOrganization.entrySet()), keys -> db.inOrg(keys.getKey(),
                    conn -> repository.allKeys(conn).chain(stored -> {
                        Map<UUID, ApiKeyRecord> byId = stored.stream()
                                .collect(Collectors.toMap(ApiKeyRecord::id, Function.identity()));
                        return each(keys.getValue(), published -> correct(conn, keys.getKey(), published,
                                byId.get(published.id())));
                    }))).map(perOrganization -> perOrganization.stream().flatMap(List::stream).toList());
            return ofOrganizations.chain(organizationsCorrected -> ofKeys.map(keysCorrected -> new Corrections(
                    Stream.concat(organizationsCorrected.stream(), keysCorrected.stream())
                            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting())))));
        });
    }

    /**
     * What differs between an organization as published and as stored (null: absent), toward the restrictive side. A
     * disabling on the topic is taken into the database only when the database's row is no newer than it: a row changed
     * since is a change whose event is still on its way (an enabling answered a moment after a start, while this ran on
     * the topic as read before it, was disabled again: the suite's LauncherStackTest, once).
     */
    static Correction correction(Organization published, OrganizationRecord stored) {
        if (stored == null) {
            return published.active() ? Correction.ORGANIZATION_DISABLED_ON_TOPIC : null;
        }
        boolean active = "active".equals(stored.status());
        boolean changedSince = stored.updatedAt() != null && published.updatedAt() != null
                && stored.updatedAt().isAfter(published.updatedAt());
        return !published.active() && active && !changedSince ? Correction.ORGANIZATION_DISABLED_IN_DATABASE
                : published.active() && !active ? Correction.ORGANIZATION_REPUBLISHED : null;
    }

    /** The same for a key. */
    static Correction correction(ApiKey published, ApiKeyRecord stored) {
        if (stored == null) {
            return published.revoked() ? null : Correction.KEY_REVOKED_ON_TOPIC;
        }
        boolean revoked = stored.revokedAt() != null;
        return published.revoked() && !revoked ? Correction.KEY_REVOKED_IN_DATABASE
                : !published.revoked() && revoked ? Correction.KEY_REPUBLISHED : null;
    }

    private Uni<Correction> correct(SqlConnection conn, Organization published, OrganizationRecord stored) {
        Correction correction = correction(published, stored);
        if (correction == null) {
            return Uni.createFrom().nullItem();
        }
        UUID id = published.id();
        Uni<Organization> state = switch (correction) {
            case ORGANIZATION_DISABLED_ON_TOPIC -> Uni.createFrom().item(
                    new Organization(id, published.name(), "disabled", published.createdAt(), Agent.now()));
            case ORGANIZATION_DISABLED_IN_DATABASE -> {
                OrganizationRecord disabled = new OrganizationRecord(id, stored.name(), published.status(),
                        stored.createdAt(), Agent.now(), stored.outboundAllowList());
                yield repository.updateOrganizationStatus(conn, id, disabled.status(), disabled.updatedAt())
                        .replaceWith(disabled.event());
            }
            default -> Uni.createFrom().item(stored.event());
        };
        return state.chain(organization -> outbox.emit(conn, id, EventTypes.ORGANIZATION,
                AccessEvents.organizationKey(id), organization)).replaceWith(correction);
    }

    private Uni<Correction> correct(SqlConnection conn, UUID org, ApiKey published, ApiKeyRecord stored) {
        Correction correction = correction(published, stored);
        if (correction == null) {
            return Uni.createFrom().nullItem();
        }
        Uni<ApiKey> state = switch (correction) {
            case KEY_REVOKED_ON_TOPIC -> Uni.createFrom().item(new ApiKey(published.id(), org, published.name(),
                    published.role(), published.secretSha256(), published.prefix(), published.expiresAt(), true,
                    published.createdAt(), published.createdBy(), ACTOR));
            // null when a revocation of its own came first: that one publishes it
            case KEY_REVOKED_IN_DATABASE -> repository.revokeKey(conn, stored.id(), Agent.now(),
                    published.revokedBy() == null ? ACTOR : published.revokedBy())
                    .map(revoked -> revoked == null ? null : revoked.event());
            default -> Uni.createFrom().item(stored.event());
        };
        return state.chain(key -> key == null ? Uni.createFrom().nullItem() : outbox.emit(conn, org, EventTypes.API_KEY,
                AccessEvents.apiKeyKey(key.id()), key).replaceWith(correction));
    }

    /** {@code work} for each item, one after another; what each answered (a null answer is left out). */
    private static <T, R> Uni<List<R>> each(List<T> items, Function<T, Uni<R>> work) {
        return Multi.createFrom().iterable(items).onItem().transformToUniAndConcatenate(work::apply).collect().asList();
    }
}
