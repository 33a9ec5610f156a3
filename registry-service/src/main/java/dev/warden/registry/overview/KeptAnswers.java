package dev.warden.registry.overview;

import dev.warden.api.CallerContext;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Rendered answers kept per organization and request, served with no database round trip while nothing told this
 * replica that the organization's projection changed: this replica's own applying transactions (marked from their
 * start until after they end), the {@code NOTIFY} of every replica's (through {@link RegistryChanges}' LISTEN), and a
 * rebuild (every organization). While the LISTEN connection is not up, nothing is kept or served: every request reads
 * the database, so an outage is never hidden and a change announced meanwhile is never missed.
 * <p>
 * An answer is kept under a {@link Mark} taken before its database read starts; it is served only while the mark still
 * holds, so a render that began before a change is never served after it.
 */
final class KeptAnswers {

    /** Kept answers at most (each a few hundred KB for 1,000 agents); past it, all are dropped. */
    static final int MAX = 256;

    private final Duration keptFor;
    private final LongSupplier clock;
    private final Map<Key, Kept> answers = new ConcurrentHashMap<>();
    private final Map<UUID, OrgChanges> orgs = new ConcurrentHashMap<>();
    /** Moved by whatever changes every organization: a rebuild, or a LISTEN (re)established after a loss. */
    private final AtomicLong epoch = new AtomicLong();
    /** Rebuilds being started in this replica. */
    private final AtomicInteger resetting = new AtomicInteger();
    /** True while the LISTEN connection that was set up is still the subscriber's; null while not listening. */
    private volatile BooleanSupplier listening;

    /** {@code keptFor}: the longest an answer is reused, even unchanged ({@code drift_last_24h} moves with the clock). */
    KeptAnswers(Duration keptFor) {
        this(keptFor, System::nanoTime);
    }

    /** {@code clock}: nanoseconds, as {@link System#nanoTime()}. */
    KeptAnswers(Duration keptFor, LongSupplier clock) {
        this.keptFor = keptFor;
        this.clock = clock;
    }

    /**
     * The answer kept for {@code org} and {@code request} while it holds, else {@code render}'s (one render shared by
     * the requests that come meanwhile, and kept when the organization is not being changed).
     */
    Uni<byte[]> answer(UUID org, Object request, Supplier<Uni<byte[]>> render) {
        Key key = new Key(org, request);
        Kept kept = answers.get(key);
        long age = kept == null ? 0 : clock.getAsLong() - kept.at;
        if (kept != null && holds(kept.mark) && age < keptFor.toNanos()) {
            byte[] json = kept.json;
            if (json == null) {
                return CallerContext.resumed(kept.answer);
            }
            if (age >= keptFor.toNanos() / 2) {
                renderAhead(key, kept, render);
            }
            return Uni.createFrom().item(json);
        }
        Mark mark = mark(org);
        if (mark == null) {
            if (!listening()) {
                answers.clear(); // kept under a connection that is gone: never served again
            }
            return render.get();
        }
        Kept fresh = new Kept(mark, clock.getAsLong(), render.get());
        if (answers.size() >= MAX) {
            answers.clear();
        }
        answers.put(key, fresh);
        return CallerContext.resumed(fresh.answer).onFailure().invoke(() -> answers.remove(key, fresh));
    }

    /**
     * Past half its time, a kept answer is rendered again behind it, once, and replaced when that render is done (if it
     * still holds then): requests go on getting the kept bytes meanwhile, instead of all waiting for a render when the
     * time is up. The new answer's time counts from before its read, so no answer served is older than the bound.
     */
    private void renderAhead(Key key, Kept kept, Supplier<Uni<byte[]>> render) {
        if (!kept.renderingAhead.compareAndSet(false, true)) {
            return;
        }
        Mark mark = mark(key.org());
        if (mark == null) {
            return;
        }
        Kept next = new Kept(mark, clock.getAsLong(), render.get());
        next.answer.subscribe().with(json -> answers.replace(key, kept, next), failure -> { });
    }

    /** LISTEN is set up: answers may be kept while {@code stillListening} says that connection is the one. */
    void listening(BooleanSupplier stillListening) {
        epoch.incrementAndGet();
        answers.clear();
        listening = stillListening;
    }

    /** True while the LISTEN connection that was set up is still open. */
    boolean listening() {
        BooleanSupplier live = listening;
        return live != null && live.getAsBoolean();
    }

    /** The LISTEN connection is gone (or closing): nothing is kept or served until it is set up again. */
    void notListening() {
        listening = null;
        epoch.incrementAndGet();
        answers.clear();
    }

    /** Another replica (or this one) announced a change of {@code org}'s projection. */
    void changed(UUID org) {
        changes(org).stamp.incrementAndGet();
    }

    /** Every organization's projection changed (a rebuild emptied it). */
    void changedAll() {
        epoch.incrementAndGet();
        answers.clear();
    }

    /**
     * {@code transaction} changes {@code org}'s projection: no answer of the organization is kept or served from its
     * start until it has ended (committed or not), and none rendered before it after.
     */
    <T> Uni<T> applying(UUID org, Uni<T> transaction) {
        return Uni.createFrom().deferred(() -> {
            OrgChanges changes = changes(org);
            changes.applying.incrementAndGet();
            changes.stamp.incrementAndGet();
            return transaction.onTermination().invoke(() -> {
                changes.stamp.incrementAndGet();
                changes.applying.decrementAndGet();
            });
        });
    }

    /** {@code transaction} changes every organization's projection: as {@link #applying}, for all of them. */
    <T> Uni<T> resetting(Uni<T> transaction) {
        return Uni.createFrom().deferred(() -> {
            resetting.incrementAndGet();
            epoch.incrementAndGet();
            return transaction.onTermination().invoke(() -> {
                changedAll();
                resetting.decrementAndGet();
            });
        });
    }

    /** Where the organization's changes stand now, or null when nothing may be kept now. */
    private Mark mark(UUID org) {
        BooleanSupplier live = listening;
        OrgChanges changes = changes(org);
        Mark mark = new Mark(live, epoch.get(), changes, changes.stamp.get());
        return holds(mark) ? mark : null;
    }

    private boolean holds(Mark mark) {
        return mark.listening() != null && mark.listening() == listening && mark.listening().getAsBoolean()
                && resetting.get() == 0 && mark.epoch() == epoch.get()
                && mark.changes().applying.get() == 0 && mark.stamp() == mark.changes().stamp.get();
    }

    private OrgChanges changes(UUID org) {
        return orgs.computeIfAbsent(org, o -> new OrgChanges());
    }

    private static final class OrgChanges {
        final AtomicLong stamp = new AtomicLong();
        final AtomicInteger applying = new AtomicInteger();
    }

    private record Mark(BooleanSupplier listening, long epoch, OrgChanges changes, long stamp) {
    }

    private record Key(UUID org, Object request) {
    }

    /** One render, shared by the requests that come while it runs; its bytes once rendered. */
    private static final class Kept {
        final Mark mark;
        /** When its read began. */
        final long at;
        final Uni<byte[]> answer;
        final AtomicBoolean renderingAhead = new AtomicBoolean();
        volatile byte[] json;

        Kept(Mark mark, long at, Uni<byte[]> render) {
            this.mark = mark;
            this.at = at;
            this.answer = render.invoke(rendered -> json = rendered).memoize().indefinitely();
        }
    }
}
