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
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** Seed 000: the agents and the summary, read in one transaction so they agree. */
@ApplicationScoped
public class RegistryService {

    private final TenantDb db;
    /** Changes within this window make one summary on a stream. */
    static final Duration COALESCE = Duration.ofMillis(500);
    private static final Logger LOG = Logger.getLogger(RegistryService.class);

    private final RegistryRepository registry;
    private final RegistryChanges changes;
    private final ObjectMapper json;

    public RegistryService(TenantDb db, RegistryRepository registry, RegistryChanges changes, ObjectMapper json) {
        this.db = db;
        this.registry = registry;
        this.changes = changes;
        this.json = json;
    }

    /**
     * Seed 000's answer as JSON. Without a cursor it is kept per organization and request ({@code status},
     * {@code limit}) and served again without touching the database until this replica hears that the organization's
     * projection changed, or for {@code warden.registry.kept-for} at most (1 s: {@code drift_last_24h} moves with the clock);
     * see {@link KeptAnswers}. A request with a cursor or {@code since} ({@code updated_since}) is always read.
     */
    public Uni<byte[]> registryJson(UUID org, String status, Instant since, int limit, PageRequest.Cursor after) {
        if (after != null || since != null) {
            return rendered(org, status, since, limit, after);
        }
        return changes.kept().answer(org, new Request(status, limit), () -> rendered(org, status, null, limit, null));
    }

    private Uni<byte[]> rendered(UUID org, String status, Instant since, int limit, PageRequest.Cursor after) {
        return db.inOrg(org, conn -> registry(conn, status, since, limit, after)).map(this::write);
    }

    private Uni<RegistryResponse> registry(SqlConnection conn, String status, Instant since, int limit,
                                           PageRequest.Cursor after) {
        return registry.summary(conn).chain(summary -> total(conn, summary, status, since)
                .chain(total -> registry.agents(conn, status, since, limit, after).map(found -> new RegistryResponse(
                        found.items(), total, summary, found.nextCursor(a -> PageRequest.Cursor.at(a.createdAt(), a.id()))))));
    }

    /** The agents the filters match on all pages: the summary's kept counts, unless only recent changes are asked. */
    private Uni<Long> total(SqlConnection conn, Summary summary, String status, Instant since) {
        if (since != null) {
            return registry.count(conn, status, since);
        }
        return Uni.createFrom().item(status == null ? summary.totalAgents() : switch (status) {
            case "active" -> summary.statusBreakdown().active();
            case "inactive" -> summary.statusBreakdown().inactive();
            case "suspended" -> summary.statusBreakdown().suspended();
            default -> summary.statusBreakdown().error();
        });
    }

    private byte[] write(RegistryResponse answer) {
        try {
            return json.writeValueAsBytes(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a kept answer is kept for, beside the organization. */
    private record Request(String status, int limit) {
    }

    /** The organization's summary now. */
    public Uni<Summary> summary(UUID org) {
        return db.inOrg(org, registry::summary);
    }

    /**
     * {@code now} (the organization's summary, read before the stream began), then the summary again after each half
     * second in which its registry changed. Once the database stops answering, the stream ends (logged once), rather
     * than failing in the middle of an event stream, where no error can be answered any more: the client reconnects,
     * and is then answered a 503 in the error shape until the database is back.
     */
    public Multi<Summary> summaries(UUID org, Summary now) {
        Multi<Summary> later = changes.of(org)
                .group().intoLists().every(COALESCE)
                .select().where(batch -> !batch.isEmpty())
                .onItem().transformToUniAndConcatenate(batch -> summary(org))
                .onFailure().invoke(e -> LOG.warnf("A registry stream of organization %s ends: %s", org, e.getMessage()))
                .onFailure().recoverWithCompletion();
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(now), later);
    }
}
