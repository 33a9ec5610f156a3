package dev.warden.registry.rebuild;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.api.UnavailableException;
import dev.warden.outbox.ReplayOffsets;
import dev.warden.registry.overview.RegistryChanges;
import dev.warden.registry.projection.RegistryProjector;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.health.Outages;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Starts rebuilds and reads them. Starting captures what the replay has to apply (each partition's offsets now), then
 * empties the projection and raises its generation in one transaction; every replica's {@link ProjectionWatcher} then
 * consumes for the new generation, which replays the topics from their beginning, and measures the progress.
 */
@ApplicationScoped
public class RebuildService {

    private static final Logger LOG = Logger.getLogger(RebuildService.class);

    private final TenantDb db;
    private final RebuildRepository rebuilds;
    private final ReplayOffsets offsets;
    private final RegistryChanges changes;
    private final ProjectionWatcher watcher;

    public RebuildService(TenantDb db, RebuildRepository rebuilds, ReplayOffsets offsets, RegistryChanges changes,
                          ProjectionWatcher watcher) {
        this.watcher = watcher;
        this.db = db;
        this.changes = changes;
        this.rebuilds = rebuilds;
        this.offsets = offsets;
    }

    /** A 409 while another rebuild runs. */
    public Uni<Rebuild> start(String requestedBy) {
        UUID id = UUID.randomUUID();
        return Uni.combine().all().unis(offsets.capture(RegistryProjector.TOPICS),
                        offsets.highestGeneration(RegistryProjector.GROUP)).asTuple()
                .onFailure(Outages::isOutage).transform(e -> new UnavailableException("broker", e))
                .chain(captured -> {
                    List<Rebuild.Partition> partitions = captured.getItem1().stream().map(Rebuild.Partition::planned).toList();
                    // The views say "rebuilding" before the projection is emptied, not from this replica's next look at
                    // the database (a dashboard read "0 agents" without the header for over a second)
                    watcher.starting(new Rebuild(id, -1, Rebuild.RUNNING, requestedBy, Instant.now(), null, null, partitions));
                    return changes.resetting(db.asPlatform(conn -> rebuilds.start(conn, id, requestedBy, partitions,
                                    captured.getItem2())
                        .chain(generation -> generation == null
                                ? rebuilds.current(conn).map(current -> {
                                    throw ApiException.conflict("A rebuild of the registry is running" + (current.running() == null
                                            ? "" : ": /v1/registry/rebuilds/" + current.running().id()));
                                })
                                : rebuilds.find(conn, id))));
                })
                .invoke(watcher::starting)
                .invoke(started -> LOG.infof("%s started rebuild %s of the registry projection (generation %d, %d records)",
                        requestedBy, started.id(), started.generation(), started.toReplay()));
    }

    public Uni<Rebuild> find(UUID id) {
        return db.asPlatform(conn -> rebuilds.find(conn, id)).map(found -> ApiException.found(found, "Rebuild"));
    }

    public Uni<ListQuery.Slice<Rebuild>> list(int limit, PageRequest.Cursor after, Instant since) {
        return db.asPlatform(conn -> rebuilds.list(conn, limit, after, since));
    }
}
