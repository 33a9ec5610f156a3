package dev.warden.audit.chain;

import dev.warden.audit.drift.DriftDetector;
import dev.warden.audit.drift.DriftRepository;
import dev.warden.audit.drift.DriftDetector.Chained;
import dev.warden.audit.drift.DriftDetector.Incoming;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.DriftEvent;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Appends entries to an organization's chain, a whole batch per transaction: lock the chain head, skip events
 * already recorded, add the drift each new action shows, link everything in memory, write it in one round trip and
 * move the head. {@code AuditTopicPublisher} publishes the entries on {@code warden.audit.v1} from the chain itself. The head lock makes concurrent appenders take turns, so the chain
 * never forks and its sequence has no gaps.
 */
@ApplicationScoped
public class ChainAppender {

    private final TenantDb db;
    private final ChainRepository chain;
    private final DriftRepository drifts;
    private final Outbox outbox;
    private final DriftDetector drift;

    public ChainAppender(TenantDb db, ChainRepository chain, DriftRepository drifts, Outbox outbox, DriftDetector drift) {
        this.db = db;
        this.chain = chain;
        this.drifts = drifts;
        this.outbox = outbox;
        this.drift = drift;
    }

    /**
     * Appends what is new among {@code incoming} (all of {@code org}), each action followed by the drift it shows,
     * and answers the entries appended.
     */
    public Uni<List<AuditEntry>> append(UUID org, List<Incoming> incoming, Instant now) {
        return append(org, incoming, now, null);
    }

    /** As above, recording {@code traceparent} (the consumer batch's trace context) with each entry and drift event. */
    public Uni<List<AuditEntry>> append(UUID org, List<Incoming> incoming, Instant now, String traceparent) {
        return append(org, incoming, now, traceparent, Set.of(), null);
    }

    /**
     * As above; when an event of {@code replayed} (applied again after a restore of this database) is not in the chain,
     * {@code mark} goes first, unless the chain holds it already: the restore took entries out of this chain.
     */
    public Uni<List<AuditEntry>> append(UUID org, List<Incoming> incoming, Instant now, String traceparent,
                                        Set<UUID> replayed, Incoming mark) {
        Map<UUID, Incoming> unique = new LinkedHashMap<>();
        incoming.forEach(i -> unique.putIfAbsent(i.event().id(), i));
        Set<UUID> asked = mark == null ? unique.keySet() : new HashSet<>(unique.keySet());
        if (mark != null) {
            asked.add(mark.event().id());
        }
        return db.inOrg(org, conn -> chain.lockHead(conn, org)
                .chain(head -> chain.recorded(conn, org, asked)
                        .map(known -> {
                            List<Incoming> fresh = unique.values().stream().filter(i -> !known.contains(i.event().id())).toList();
                            if (mark == null || known.contains(mark.event().id())
                                    || fresh.stream().noneMatch(i -> replayed.contains(i.event().id()))) {
                                return fresh;
                            }
                            List<Incoming> marked = new ArrayList<>(fresh.size() + 1);
                            marked.add(mark);
                            marked.addAll(fresh);
                            return marked;
                        })
                        .chain(fresh -> fresh.isEmpty() ? Uni.createFrom().item(List.<Chained>of())
                                : drift.expand(conn, org, fresh, now))
                        .chain(chained -> chained.isEmpty() ? Uni.createFrom().item(List.<AuditEntry>of())
                                // Canonical JSON and SHA-256 of every entry: CPU work, on a worker thread, not on
                                // the event loop that also serves requests (a batch caught up after a restart, with
                                // the JIT still cold, blocked it for seconds)
                                : Uni.createFrom().item(() -> link(chained, head.sequence(), head.hash()))
                                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                                        .chain(done -> write(conn, org, done.entries(), done.drifts(), traceparent)))));
    }

    private record Linked(List<AuditEntry> entries, List<DriftEvent> drifts) {
    }

    private static Linked link(List<Chained> chained, long head, String headHash) {
        List<AuditEntry> linked = new ArrayList<>();
        List<DriftEvent> drifts = new ArrayList<>();
        long sequence = head;
        String prev = headHash;
        for (Chained c : chained) {
            AuditEntry placed = AuditChain.link(c.entry(), ++sequence, prev);
            linked.add(placed);
            prev = placed.hash();
            if (c.drift() != null) {
                drifts.add(at(c.drift(), placed.sequence()));
            }
        }
        return new Linked(linked, drifts);
    }

    private Uni<List<AuditEntry>> write(SqlConnection conn, UUID org, List<AuditEntry> linked, List<DriftEvent> found,
                                        String traceparent) {
        // Entries reach warden.audit.v1 from the chain itself (AuditTopicPublisher); drift events through the outbox.
        List<Outbox.Message> published = found.stream().map(d -> new Outbox.Message(EventTypes.AUDIT_DRIFT_DETECTED,
                d.agentId(), org.toString(), d)).toList();
        return chain.append(conn, org, linked, traceparent)
                .chain(() -> drifts.insert(conn, found))
                .chain(() -> outbox.emitAll(conn, org, published, traceparent))
                .replaceWith(linked);
    }

    private static DriftEvent at(DriftEvent d, long sequence) {
        return new DriftEvent(d.id(), d.orgId(), d.agentId(), d.driftType(), d.actionEventId(), d.connector(), d.action(),
                d.dataType(), d.details(), AuditChain.micros(d.occurredAt()), AuditChain.micros(d.detectedAt()), sequence);
    }
}
