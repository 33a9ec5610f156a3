package dev.warden.registry.overview;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.api.PageRequest;
import dev.warden.registry.overview.RegistryWire.RegistryResponse;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.registry.overview.RegistryWire.Summary;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Seed 000: the agents and the summary, read in one transaction so they agree. */
@ApplicationScoped
public class RegistryService {

    private final TenantDb db;
    /** Changes within this window make one summary on a stream. */
    static final Duration COALESCE = Duration.ofMillis(500);

    /** How long a rendered answer may be reused at an unchanged revision. */
    static final Duration RENDERED_FOR = Duration.ofSeconds(1);
    /** Rendered answers kept at most (each a few hundred KB for 1,000 agents); past it, all are dropped. */
    static final int RENDERED_MAX = 256;

    private final RegistryRepository registry;
    private final RegistryChanges changes;
    private final ObjectMapper json;
    private final Map<RenderedKey, Rendered> rendered = new ConcurrentHashMap<>();

    public RegistryService(TenantDb db, RegistryRepository registry, RegistryChanges changes, ObjectMapper json) {
        this.db = db;
        this.registry = registry;
        this.changes = changes;
        this.json = json;
    }

    /**
     * Seed 000's answer as JSON. Without a cursor it is kept, rendered, under the organization's projection revision
     * (read first, in the same transaction): while nothing was applied since, the next request gets the same bytes
     * without reading or rendering them again. Kept at most {@link #RENDERED_FOR}, because {@code drift_last_24h}
     * moves with the clock, not only with events.
     */
    public Uni<byte[]> registryJson(UUID org, String status, int limit, PageRequest.Cursor after) {
        RenderedKey key = after == null ? new RenderedKey(org, status, limit) : null;
        return db.inOrg(org, conn -> registry.revision(conn).chain(revision -> {
            Rendered kept = key == null ? null : rendered.get(key);
            if (kept != null && kept.revision() == revision && System.nanoTime() - kept.at() < RENDERED_FOR.toNanos()) {
                return Uni.createFrom().item(kept.json());
            }
            return registry(conn, status, limit, after).map(answer -> {
                byte[] json = write(answer);
                if (key != null) {
                    if (rendered.size() >= RENDERED_MAX) {
                        rendered.clear();
                    }
                    rendered.put(key, new Rendered(revision, System.nanoTime(), json));
                }
                return json;
            });
        }));
    }

    private Uni<RegistryResponse> registry(SqlConnection conn, String status, int limit, PageRequest.Cursor after) {
        return registry.summary(conn)
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
                }));
    }

    private byte[] write(RegistryResponse answer) {
        try {
            return json.writeValueAsBytes(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One rendered answer per organization and request (status, limit); a request with a cursor is never kept. */
    private record RenderedKey(UUID org, String status, int limit) {
    }

    private record Rendered(long revision, long at, byte[] json) {
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
