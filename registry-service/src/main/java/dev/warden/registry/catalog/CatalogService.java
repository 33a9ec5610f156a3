package dev.warden.registry.catalog;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.registry.RegistryAgentRow;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.UUID;

/** Seed 002's reads of the projection, each in one transaction of the caller's organization. */
@ApplicationScoped
public class CatalogService {

    private final TenantDb db;
    private final CatalogRepository catalog;

    public CatalogService(TenantDb db, CatalogRepository catalog) {
        this.db = db;
        this.catalog = catalog;
    }

    public Uni<ListQuery.Page<RegistryAgentRow>> list(UUID org, String status, String type, String q, String sort,
                                                     int limit, long offset, PageRequest.Cursor after, Instant since) {
        return db.inOrg(org, conn -> catalog.list(conn, status, type, q, sort, limit, offset, after, since));
    }

    /** One agent, as the projection holds it; one the organization has not is a 404. */
    public Uni<RegistryAgentRow> find(UUID org, UUID id) {
        return db.inOrg(org, conn -> catalog.find(conn, id)).map(found -> ApiException.found(found, "Agent"));
    }
}
