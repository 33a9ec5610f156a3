package dev.warden.registry.overview;

import dev.warden.api.PageRequest;
import dev.warden.registry.overview.RegistryWire.RegistryResponse;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.registry.overview.RegistryWire.Summary;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.UUID;

/** Seed 000: the agents and the summary, read in one transaction so they agree. */
@ApplicationScoped
public class RegistryService {

    private final TenantDb db;
    /** Changes within this window make one summary on a stream. */
    static final Duration COALESCE = Duration.ofMillis(500);

    private final RegistryRepository registry;
    private final RegistryChanges changes;

    public RegistryService(TenantDb db, RegistryRepository registry, RegistryChanges changes) {
        this.db = db;
        this.registry = registry;
        this.changes = changes;
    }

    public Uni<RegistryResponse> registry(UUID org, String status, int limit, PageRequest.Cursor after) {
        return db.inOrg(org, conn -> registry.summary(conn)
                .chain(summary -> registry.agents(conn, status, limit, after).map(rows -> {
                    long total = status == null ? summary.totalAgents() : switch (status) {
                        case "active" -> summary.statusBreakdown().active();
                        case "inactive" -> summary.statusBreakdown().inactive();
                        case "suspended" -> summary.statusBreakdown().suspended();
                        default -> summary.statusBreakdown().error();
                    };
                    String next = rows.size() == limit && !rows.isEmpty()
                            ? PageRequest.Cursor.at(rows.getLast().createdAt(), rows.getLast().id()).encode() : null;
                    return new RegistryResponse(rows, total, summary, next);
                })));
    }

    /** The organization's summary now, then again after each half second in which its registry changed. */
    public Multi<Summary> summaries(UUID org) {
        Uni<Summary> now = db.inOrg(org, registry::summary);
        Multi<Summary> later = changes.of(org)
                .group().intoLists().every(COALESCE)
                .select().where(batch -> !batch.isEmpty())
                .onItem().transformToUniAndConcatenate(batch -> db.inOrg(org, registry::summary));
        return Multi.createBy().concatenating().streams(now.toMulti(), later);
    }
}
