package dev.warden.audit.drift;

import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.events.audit.AuditEvents.DriftEvent;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** Reading drift events; they are written by the chain, with the action that caused them. */
@ApplicationScoped
public class DriftService {

    private final TenantDb db;
    private final DriftRepository repository;

    public DriftService(TenantDb db, DriftRepository repository) {
        this.db = db;
        this.repository = repository;
    }

    public Uni<DriftPage> list(UUID org, String agentId, String driftType, PageRequest page) {
        return db.inOrg(org, conn -> repository.list(conn, agentId, driftType, page))
                .map(found -> new DriftPage(found.items(), found.total(), found.totalExact(),
                        found.nextCursor((DriftEvent d) -> Cursor.at(d.detectedAt(), d.id()))));
    }
}
