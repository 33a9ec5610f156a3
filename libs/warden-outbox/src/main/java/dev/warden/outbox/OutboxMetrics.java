package dev.warden.outbox;

import dev.warden.tenancy.db.TenantDb;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outbox's metrics: {@code warden_outbox_backlog} (rows waiting) and {@code warden_outbox_oldest_age_seconds}
 * (how long the oldest has waited), read by one cheap query every {@code warden.metrics.outbox-interval}, and
 * {@code warden_outbox_published_total}, the events this instance's relay has published (its rate is the publish
 * rate). Every replica reports the same backlog: it is the database's. A publisher beside the relay
 * ({@link MeasuredPublisher}) is measured the same way, its backlog and oldest age read with the outbox's.
 */
@ApplicationScoped
public class OutboxMetrics {

    private static final Logger LOG = Logger.getLogger(OutboxMetrics.class);

    /** Counting stops here: a backlog this large is an incident whatever its exact size, and the scan stays bounded. */
    static final int BACKLOG_BOUND = 100_000;

    /**
     * The oldest row by seq (the primary key) and the backlog counted up to the bound; platform scope (RLS). The age is
     * taken on the clock, not at this transaction's start ({@code now()}): a row committed after that start, by a
     * transaction that began after it, is seen by the statement and would otherwise be of a negative age.
     */
    private static final String QUERY = """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM warden_outbox LIMIT %d) waiting) AS backlog,
                   GREATEST(COALESCE(EXTRACT(EPOCH FROM clock_timestamp()
                       - (SELECT created_at FROM warden_outbox ORDER BY seq LIMIT 1)), 0), 0)::float8 AS oldest_age"""
            .formatted(BACKLOG_BOUND);

    private final TenantDb db;
    /** The outbox's own, as last read; null while unknown. */
    private final AtomicReference<MeasuredPublisher.Waiting> outbox = new AtomicReference<>();
    private final List<Measured> others;
    private volatile boolean warned;

    public OutboxMetrics(TenantDb db, OutboxRelay relay, MeterRegistry registry, Instance<MeasuredPublisher> publishers) {
        this.db = db;
        this.others = publishers.stream().map(p -> new Measured(p, new AtomicReference<MeasuredPublisher.Waiting>()))
                .toList();
        waitingGauges(registry, "warden.outbox", outbox, "Events in the outbox not yet published (counted up to "
                + BACKLOG_BOUND + ")", "Age of the oldest event waiting in the outbox; 0 when it is empty");
        FunctionCounter.builder("warden.outbox.published", relay, OutboxRelay::published)
                .description("Events this instance's outbox relay has published since it started")
                .register(registry);
        for (Measured other : others) {
            MeasuredPublisher p = other.publisher();
            waitingGauges(registry, p.metricPrefix(), other.waiting(), p.publishes() + " recorded and not yet published",
                    "Age of the oldest of the " + p.publishes().toLowerCase(Locale.ROOT)
                            + " not yet published; 0 when none waits");
            FunctionCounter.builder(p.metricPrefix() + ".published", p, MeasuredPublisher::published)
                    .description(p.publishes() + " this instance has published since it started")
                    .register(registry);
        }
    }

    /**
     * {@code <prefix>.backlog} and {@code <prefix>.oldest.age}: NaN while unknown, an unreadable backlog not shown as a
     * stale figure.
     */
    private static void waitingGauges(MeterRegistry registry, String prefix, AtomicReference<MeasuredPublisher.Waiting> value,
                                      String backlog, String oldestAge) {
        Gauge.builder(prefix + ".backlog", value, w -> Optional.ofNullable(w.get())
                        .map(waiting -> (double) waiting.count()).orElse(Double.NaN))
                .description(backlog).strongReference(true).register(registry);
        Gauge.builder(prefix + ".oldest.age", value, w -> Optional.ofNullable(w.get())
                        .map(MeasuredPublisher.Waiting::oldestAgeSeconds).orElse(Double.NaN))
                .description(oldestAge).baseUnit("seconds").strongReference(true).register(registry);
    }

    /** After the migrations (which create the outbox): the first reading at once, then on the interval. */
    void onStart(@Observes StartupEvent event) {
        refresh().subscribe().with(done -> { });
    }

    @Scheduled(every = "${warden.metrics.outbox-interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> refresh() {
        return db.asPlatform(conn -> conn.query(QUERY).execute().map(rows -> rows.iterator().next())
                        .invoke(row -> outbox.set(new MeasuredPublisher.Waiting(row.getLong("backlog"),
                                row.getDouble("oldest_age"))))
                        .call(() -> readOthers(conn)))
                .invoke(() -> warned = false)
                .onFailure().invoke(this::unknown)
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> readOthers(SqlConnection conn) {
        Uni<Void> read = Uni.createFrom().voidItem();
        for (Measured other : others) {
            read = read.chain(() -> other.publisher().waiting(conn).invoke(other.waiting()::set).replaceWithVoid());
        }
        return read;
    }

    /** A publisher beside the relay, and what waits for it as last read (null: unknown). */
    private record Measured(MeasuredPublisher publisher, AtomicReference<MeasuredPublisher.Waiting> waiting) {
    }

    /** An unreadable outbox shows as NaN, not as a stale figure. */
    private void unknown(Throwable failure) {
        outbox.set(null);
        others.forEach(other -> other.waiting().set(null));
        if (!warned) {
            warned = true;
            LOG.warnf("Could not read the outbox backlog (and any other publisher's) for the metrics: %s",
                    failure.getMessage());
        }
    }
}
