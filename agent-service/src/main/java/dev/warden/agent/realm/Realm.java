package dev.warden.agent.realm;

import dev.warden.events.agent.AgentEvents;

import java.time.Instant;
import java.util.UUID;

/** Seed 004's realm: a named, colored group of an organization's agents. Changed only through {@code RealmService}. */
public class Realm {

    public UUID id;
    public UUID orgId;
    public String name;
    public String slug;
    public String color;
    public Instant createdAt;
    public String createdBy;
    public Instant updatedAt;
    public String updatedBy;
    /** Raised by each change; the realm's ETag. A new realm's is 1. */
    public long revision = 1;

    public AgentEvents.Realm event() {
        return new AgentEvents.Realm(id, orgId, name, slug, color, createdAt, createdBy, updatedAt, updatedBy);
    }

    RealmWire.RealmResponse response() {
        return new RealmWire.RealmResponse(id, name, slug, color, createdAt, updatedAt, revision);
    }
}
