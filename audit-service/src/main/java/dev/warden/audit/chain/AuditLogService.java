package dev.warden.audit.chain;

import dev.warden.api.PageRequest.Cursor;
import dev.warden.audit.chain.AuditRepository.EntryFilter;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** Reading the audit log. The whole chain's length is its head's sequence; a filtered total is counted, bounded. */
@ApplicationScoped
public class AuditLogService {

    private final TenantDb db;
    private final AuditRepository repository;

    public AuditLogService(TenantDb db, AuditRepository repository) {
        this.db = db;
        this.repository = repository;
    }

    public Uni<AuditPage> list(UUID org, EntryFilter filter, int limit, int offset) {
        return db.inOrg(org, conn -> repository.page(conn, filter, limit, offset))
                .map(page -> new AuditPage(page.items(), page.total(), page.totalExact(), limit, offset,
                        page.nextCursor(e -> new Cursor(e.sequence(), e.eventId()))));
    }
}
