package dev.warden.registry.directory;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.registry.directory.DirectoryRepository.Counts;
import dev.warden.registry.directory.DirectoryRepository.Filter;
import dev.warden.registry.directory.DirectoryRepository.Found;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** Seed 004's reads of the projection, each in one transaction of the caller's organization. */
@ApplicationScoped
public class DirectoryService {

    /** A page and the counts of the whole filtered set, read in one transaction so they agree. */
    public record Listed(ListQuery.Slice<Found> page, Counts counts) {
    }

    private final TenantDb db;
    private final DirectoryRepository directory;

    public DirectoryService(TenantDb db, DirectoryRepository directory) {
        this.db = db;
        this.directory = directory;
    }

    public Uni<Listed> list(UUID org, Filter filter, String sortBy, boolean descending, PageRequest.Cursor after,
                            int limit, long offset) {
        return db.inOrg(org, conn -> directory.counts(conn, filter).chain(counts ->
                directory.list(conn, filter, sortBy, descending, after, limit, offset).map(page -> new Listed(page, counts))));
    }

    /** One agent by its DID or its Warden id, as the projection holds it; one the organization has not is a 404. */
    public Uni<Found> find(UUID org, String id) {
        UUID uuid = Params.uuidOrNull(id);
        return db.inOrg(org, conn -> directory.find(conn, id, uuid)).map(found -> ApiException.found(found, "Agent"));
    }
}
