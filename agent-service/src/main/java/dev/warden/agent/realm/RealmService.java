package dev.warden.agent.realm;

import dev.warden.agent.lifecycle.Agent;
import dev.warden.agent.realm.RealmWire.CreateRealmRequest;
import dev.warden.agent.realm.RealmWire.RealmListResponse;
import dev.warden.agent.realm.RealmWire.RealmResponse;
import dev.warden.agent.realm.RealmWire.UpdateRealmRequest;
import dev.warden.api.ApiException;
import dev.warden.api.IfMatch;
import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.events.EventTypes;
import dev.warden.events.agent.AgentEvents.RealmChanged;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.SqlErrors;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Seed 004's realms. Every change locks the realm, writes it and records its event (keyed by the realm id) in the
 * outbox in the same transaction. A realm is removed only while no agent is in it.
 */
@ApplicationScoped
public class RealmService {

    private final TenantDb db;
    private final RealmRepository realms;
    private final Outbox outbox;

    public RealmService(TenantDb db, RealmRepository realms, Outbox outbox) {
        this.db = db;
        this.realms = realms;
        this.outbox = outbox;
    }

    public Uni<RealmListResponse> list(UUID org, PageRequest page) {
        return db.inOrg(org, conn -> realms.list(conn, page)).map(found -> new RealmListResponse(
                found.items().stream().map(Realm::response).toList(), found.total(), found.totalExact(),
                found.nextCursor(r -> Cursor.at(r.createdAt, r.id))));
    }

    public Uni<RealmResponse> get(UUID org, UUID id) {
        return db.inOrg(org, conn -> realms.findById(conn, id).map(r -> ApiException.found(r, "Realm")).map(Realm::response));
    }

    public Uni<RealmResponse> create(UUID org, String actor, CreateRealmRequest req) {
        Realm r = new Realm();
        r.id = UUID.randomUUID();
        r.orgId = org;
        r.name = req.name();
        r.slug = req.slug();
        r.color = req.color();
        r.createdAt = Agent.now();
        r.createdBy = actor;
        r.updatedAt = r.createdAt;
        r.updatedBy = actor;
        return db.inOrg(org, conn -> slugFree(conn, r)
                        .chain(() -> realms.insert(conn, r))
                        .chain(() -> outbox.emit(conn, org, EventTypes.REALM_CREATED, r.id.toString(), new RealmChanged(r.event(), actor))))
                .onFailure(SqlErrors::uniqueViolation).transform(e -> slugConflict(r.slug))
                .replaceWith(r::response);
    }

    /** {@code ifMatch}: the tags the edit may apply to ({@code IfMatch.accepted}; null for any). */
    public Uni<RealmResponse> update(UUID org, String actor, UUID id, UpdateRealmRequest req, Set<String> ifMatch) {
        return db.inOrg(org, conn -> realms.lockById(conn, id).map(r -> ApiException.found(r, "Realm")).chain(r -> {
                    IfMatch.check(ifMatch, r.revision, "The realm");
                    boolean changed = differs(r.name, req.name()) || differs(r.slug, req.slug()) || differs(r.color, req.color());
                    if (!changed) {
                        return Uni.createFrom().item(r.response());
                    }
                    r.name = req.name() != null ? req.name() : r.name;
                    r.slug = req.slug() != null ? req.slug() : r.slug;
                    r.color = req.color() != null ? req.color() : r.color;
                    r.updatedAt = Agent.now();
                    r.updatedBy = actor;
                    r.revision++;
                    return slugFree(conn, r)
                            .chain(() -> realms.update(conn, r))
                            .chain(() -> outbox.emit(conn, org, EventTypes.REALM_CHANGED, r.id.toString(), new RealmChanged(r.event(), actor)))
                            .replaceWith(r::response);
                }))
                .onFailure(SqlErrors::uniqueViolation).transform(e -> slugConflict(req.slug()));
    }

    /** Removes an empty realm; one with agents in it is a 409. */
    public Uni<Void> delete(UUID org, String actor, UUID id) {
        return db.inOrg(org, conn -> realms.lockById(conn, id).map(r -> ApiException.found(r, "Realm"))
                .chain(r -> realms.hasAgents(conn, id).chain(hasAgents -> {
                    if (hasAgents) {
                        throw ApiException.conflict("Agents are in this realm: move them to another realm first");
                    }
                    return realms.delete(conn, id)
                            .chain(() -> outbox.emit(conn, org, EventTypes.REALM_DELETED, id.toString(), new RealmChanged(r.event(), actor)));
                })).replaceWithVoid());
    }

    /**
     * For an agent joining {@code realm} in this transaction: a 400 naming {@code field} when the organization has no
     * such realm; the realm is held until the transaction ends, so it cannot be removed meanwhile.
     */
    public Uni<Void> checkAssignable(SqlConnection conn, UUID realm, String field) {
        if (realm == null) {
            return Uni.createFrom().voidItem();
        }
        return realms.holdExisting(conn, realm).invoke(exists -> {
            if (!exists) {
                throw ApiException.invalidField(field, "is not a realm of the organization");
            }
        }).replaceWithVoid();
    }

    private Uni<Void> slugFree(SqlConnection conn, Realm r) {
        return realms.slugTaken(conn, r.slug, r.id).invoke(taken -> {
            if (taken) {
                throw slugConflict(r.slug);
            }
        }).replaceWithVoid();
    }

    private static ApiException slugConflict(String slug) {
        return new ApiException(409, "conflict", "The organization has a realm with the slug " + slug + " already",
                List.of(new dev.warden.api.ErrorResponse.FieldError("slug", "is taken")));
    }

    private static boolean differs(String current, String given) {
        return given != null && !given.equals(current);
    }
}
