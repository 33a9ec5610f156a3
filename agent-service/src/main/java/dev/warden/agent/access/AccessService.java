package dev.warden.agent.access;

import dev.warden.agent.lifecycle.Agent;
import dev.warden.agent.access.AccessModels.ApiKeyListResponse;
import dev.warden.agent.access.AccessModels.ApiKeyResponse;
import dev.warden.agent.access.AccessModels.CreateApiKeyRequest;
import dev.warden.agent.access.AccessModels.CreateOrganizationRequest;
import dev.warden.agent.access.AccessModels.CreateOrganizationResponse;
import dev.warden.agent.access.AccessModels.OrganizationListResponse;
import dev.warden.agent.access.AccessModels.OutboundAllowList;
import dev.warden.api.ApiException;
import dev.warden.api.Checks;
import dev.warden.api.OutboundUrls;
import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.api.UnavailableException;
import dev.warden.events.EventTypes;
import dev.warden.events.access.AccessEvents;
import dev.warden.outbox.Outbox;
import dev.warden.outbox.OutboxConfig;
import dev.warden.tenancy.db.SqlErrors;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.AccessDirectory;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.tenancy.security.Identities;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Organizations and API keys. Each change is published on the compacted {@code warden.access.v1} topic, from which
 * every service checks keys locally. A change of who may act is answered once this service's own directory shows it
 * (so it is on the broker for the others too): a revoked key is refused here from its revocation's answer on, and a
 * new key works here from its creation's answer on. Past {@code warden.outbox.delivery-timeout} the answer is a 503
 * (committed, not yet in force); asking again waits again. A creation that shows a secret, which is never shown again,
 * is answered with it all the same, as not yet in force ({@link ShownOnce}, a 202): a 503 lost the secret, and an
 * organization created while the broker was slow (seen in the suite on a loaded machine) had no admin key anyone knew.
 */
@ApplicationScoped
public class AccessService {

    private final TenantDb db;
    private final AccessRepository repository;
    private final Outbox outbox;
    private final AccessDirectory directory;
    private final OutboxConfig config;

    public AccessService(TenantDb db, AccessRepository repository, Outbox outbox, AccessDirectory directory,
                         OutboxConfig config) {
        this.db = db;
        this.repository = repository;
        this.outbox = outbox;
        this.directory = directory;
        this.config = config;
    }

    /** Waits until this service's access directory shows {@code condition} (see the class comment). */
    private Uni<Void> inForce(BooleanSupplier condition) {
        return directory.reflects(condition, config.deliveryTimeout());
    }

    private <T> Uni<ShownOnce<T>> shownOnce(T created, BooleanSupplier condition) {
        return inForce(condition).replaceWith(new ShownOnce<>(created, true))
                .onFailure(UnavailableException.class).recoverWithItem(new ShownOnce<>(created, false));
    }

    public Uni<ShownOnce<CreateOrganizationResponse>> createOrganization(String actor, CreateOrganizationRequest req) {
        new Checks().required("name", req == null ? null : req.name())
                .maxLength("name", req == null ? null : req.name(), 200)
                // Open registration addresses an organization by name or id (?org=): a name that reads as an id
                // could capture registrations meant for the organization with that id.
                .check(req == null || req.name() == null || !AccessRepository.UUID_SHAPE.matcher(req.name().strip()).matches(),
                        "name", "must not have the form of an organization id (a UUID)")
                .check(req == null || req.name() == null || req.name().equals(req.name().strip()), "name",
                        "must not begin or end with white space (open registration names it exactly)")
                .oneLine("name", req == null ? null : req.name())
                .maxLength("admin_key_name", req == null ? null : req.adminKeyName(), 200)
                .oneLine("admin_key_name", req == null ? null : req.adminKeyName())
                .orThrow();
        String keyName = req.adminKeyName() == null ? "first admin" : req.adminKeyName();
        String secret = ApiKeys.newSecret();
        return db.asPlatform(conn -> insertOrganization(conn, req.name())
                        .chain(org -> insertKey(conn, org.id(), actor, keyName, Roles.ADMIN, null, secret)
                                .map(key -> new CreateOrganizationResponse(org, ApiKeyResponse.of(key, secret)))))
                .onFailure(SqlErrors::uniqueViolation)
                .transform(e -> ApiException.conflict("An organization named " + req.name()
                        + " already exists (names are compared without regard to case or compatibility forms)"))
                .chain(created -> shownOnce(created, () -> directory.knownKey(created.adminApiKey().id()).isPresent()));
    }

    public Uni<OrganizationListResponse> listOrganizations(PageRequest page) {
        return db.asPlatform(conn -> repository.listOrganizations(conn, page))
                .map(orgs -> new OrganizationListResponse(orgs.items(), orgs.total(), orgs.totalExact(),
                        orgs.nextCursor(o -> Cursor.at(o.createdAt(), o.id()))));
    }

    public Uni<OrganizationRecord> getOrganization(UUID id) {
        return db.asPlatform(conn -> repository.findOrganization(conn, id)).map(found -> ApiException.found(found, "Organization"));
    }

    /** Disables an organization: every one of its keys stops working in every service. */
    public Uni<OrganizationRecord> setOrganizationStatus(UUID id, String status) {
        // Under the row's lock: ten racing enables of a disabled organization recorded up to eight enablings
        return db.asPlatform(conn -> repository.lockOrganization(conn, id).map(found -> ApiException.found(found, "Organization"))
                .chain(org -> {
                    if (org.status().equals(status)) {
                        return Uni.createFrom().item(org);
                    }
                    OrganizationRecord changed = new OrganizationRecord(org.id(), org.name(), status, org.createdAt(), Agent.now(),
                            org.outboundAllowList());
                    return repository.updateOrganizationStatus(conn, id, status, changed.updatedAt())
                            .chain(() -> outbox.emit(conn, id, EventTypes.ORGANIZATION, AccessEvents.organizationKey(id),
                                    changed.event()))
                            .replaceWith(changed);
                }))
                .call(changed -> inForce(() -> directory.organization(id).map(o -> o.status().equals(status)).orElse(false)));
    }

    /** Replaces the internal addresses and names an organization's agents may call (OutboundUrls). */
    public Uni<OrganizationRecord> setOutboundAllowList(UUID id, OutboundAllowList req) {
        List<String> entries = req == null ? null : req.entries();
        Checks checks = new Checks().required("entries", entries);
        if (entries != null) {
            checks.maxSize("entries", entries, 100);
            for (int i = 0; i < entries.size(); i++) {
                String invalid = OutboundUrls.invalidEntry(entries.get(i));
                checks.check(invalid == null, "entries[" + i + "]", invalid);
            }
        }
        checks.orThrow();
        List<String> normalized = entries.stream().map(e -> e.trim().toLowerCase(java.util.Locale.ROOT)).distinct().toList();
        return db.asPlatform(conn -> repository.findOrganization(conn, id).map(found -> ApiException.found(found, "Organization"))
                .chain(org -> {
                    OrganizationRecord changed = new OrganizationRecord(org.id(), org.name(), org.status(),
                            org.createdAt(), Agent.now(), normalized);
                    return repository.updateOutboundAllowList(conn, id, normalized, changed.updatedAt()).replaceWith(changed);
                }));
    }

    public Uni<ShownOnce<ApiKeyResponse>> createKey(UUID org, String actor, CreateApiKeyRequest req) {
        Checks checks = new Checks().required("name", req == null ? null : req.name())
                .required("role", req == null ? null : req.role());
        if (req != null) {
            checks.maxLength("name", req.name(), 200).oneLine("name", req.name())
                    .check(req.role() == null || Roles.ORG_ROLES.contains(req.role()), "role",
                            "must be one of viewer, operator, admin, auditor, instance")
                    .check(req.expiresAt() == null || req.expiresAt().isAfter(Instant.now()), "expires_at",
                            "must be in the future");
        }
        checks.orThrow();
        String secret = ApiKeys.newSecret();
        return db.inOrg(org, conn -> callerStillUsable(conn, actor)
                        .chain(() -> insertKey(conn, org, actor, req.name(), req.role(), req.expiresAt(), secret)))
                .chain(key -> shownOnce(ApiKeyResponse.of(key, secret), () -> directory.knownKey(key.id()).isPresent()));
    }

    public Uni<ApiKeyListResponse> listKeys(UUID org, PageRequest page) {
        return db.inOrg(org, conn -> repository.listKeys(conn, page))
                .map(keys -> new ApiKeyListResponse(keys.items().stream().map(k -> ApiKeyResponse.of(k, null)).toList(),
                        keys.total(), keys.totalExact(), keys.nextCursor(k -> Cursor.at(k.createdAt(), k.id()))));
    }

    /** One key of the organization, without its secret. */
    public Uni<ApiKeyResponse> getKey(UUID org, UUID id) {
        return db.inOrg(org, conn -> repository.findKey(conn, id)).map(key -> ApiException.found(key, "API key"))
                .map(key -> ApiKeyResponse.of(key, null));
    }

    /**
     * Revokes a key on behalf of {@code actor}, who is published as its {@code revoked_by}. Revoking a revoked key
     * changes and publishes nothing. The organization's last admin key in force is not revoked (a 409): without it no
     * one could create keys again, and the platform admin does not reach into an organization; create another admin
     * key first.
     */
    public Uni<ApiKeyResponse> revokeKey(UUID org, String actor, UUID id) {
        return db.inOrg(org, conn -> repository.lockAdminKeysInForce(conn).invoke(admins -> {
                    if (admins.equals(List.of(id))) {
                        throw ApiException.conflict("This is the organization's last admin key in force: without it no "
                                + "one could create API keys again. Create another admin key first, then revoke this one");
                    }
                }).chain(() -> repository.revokeKey(conn, id, Agent.now(), actor)).chain(revoked -> revoked != null
                        ? outbox.emit(conn, org, EventTypes.API_KEY, AccessEvents.apiKeyKey(id), revoked.event()).replaceWith(revoked)
                        : repository.findKey(conn, id).map(key -> ApiException.found(key, "API key"))))
                .call(() -> inForce(() -> directory.usableKeyById(id).isEmpty()))
                .map(key -> ApiKeyResponse.of(key, null));
    }

    /**
     * Makes sure an organization of this name exists with an admin key of this secret: how the local launcher and a
     * Kubernetes bootstrap secret give a fresh installation its first organization. Safe to repeat. A key of this
     * secret that an admin revoked, or that expired, is never restored, nor is a disabled organization enabled: the
     * answer then says why the key opens nothing (null when it works), for the start-up log.
     */
    public Uni<String> ensureBootstrap(String orgName, String adminSecret) {
        return db.asPlatform(conn -> repository.findOrganizationByName(conn, orgName)
                .chain(existing -> existing != null ? Uni.createFrom().item(existing) : insertOrganization(conn, orgName))
                .call(org -> TenantDb.scopeTo(conn, org.id()))
                .chain(org -> repository.findKeyByHash(conn, ApiKeys.sha256(adminSecret))
                        .chain(key -> key != null ? Uni.createFrom().item(unusable(org, key))
                                : insertKey(conn, org.id(), "bootstrap", "bootstrap admin", Roles.ADMIN, null, adminSecret)
                                .replaceWith(unusable(org, null)))));
    }

    private static String unusable(OrganizationRecord org, ApiKeyRecord key) {
        if (key != null && !key.event().usableAt(Instant.now())) {
            return key.revokedAt() != null
                    ? "its key was revoked at " + key.revokedAt() + (key.revokedBy() == null ? "" : " by " + key.revokedBy())
                    : "its key expired at " + key.expiresAt();
        }
        return "active".equals(org.status()) ? null : "the organization is " + org.status();
    }

    private Uni<OrganizationRecord> insertOrganization(SqlConnection conn, String name) {
        Instant now = Agent.now();
        OrganizationRecord org = new OrganizationRecord(UUID.randomUUID(), name, "active", now, now, List.of());
        return repository.insertOrganization(conn, org)
                .chain(() -> outbox.emit(conn, org.id(), EventTypes.ORGANIZATION, AccessEvents.organizationKey(org.id()),
                        org.event()))
                .replaceWith(org);
    }

    /**
     * A key is issued by a key that is still usable when it is issued: the caller's was checked as the request came in,
     * and a revocation committed since (a compromised key racing its own revocation) is a 401, not a new key that
     * outlives it. The caller's key row is held until the new key commits, so the revocation is either seen here or
     * ordered after the issue. Other credentials (the platform key, a bearer token) have no row here.
     */
    private Uni<Void> callerStillUsable(SqlConnection conn, String actor) {
        UUID key = Identities.apiKeyOf(actor);
        if (key == null) {
            return Uni.createFrom().voidItem();
        }
        return repository.holdUsableKey(conn, key).invoke(usable -> {
            if (!usable) {
                throw new ApiException(401, "unauthorized", "Your API key was revoked or expired, or its organization "
                        + "disabled, while this request was on its way", List.of());
            }
        }).replaceWithVoid();
    }

    private Uni<ApiKeyRecord> insertKey(SqlConnection conn, UUID org, String actor, String name, String role,
                                        Instant expiresAt, String secret) {
        ApiKeyRecord key = new ApiKeyRecord(UUID.randomUUID(), org, name, role, ApiKeys.sha256(secret),
                ApiKeys.displayPrefix(secret), expiresAt, null, null, null, Agent.now(), actor);
        return TenantDb.scopeTo(conn, org)
                .chain(() -> repository.insertKey(conn, key))
                .chain(() -> outbox.emit(conn, org, EventTypes.API_KEY, AccessEvents.apiKeyKey(key.id()), key.event()))
                .replaceWith(key);
    }

}
