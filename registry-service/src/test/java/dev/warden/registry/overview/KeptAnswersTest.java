package dev.warden.registry.overview;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** When a kept answer is served, and when the database is read instead (no Quarkus: the rules on their own). */
class KeptAnswersTest {

    private static final Object ALL_AGENTS = "all";

    private final AtomicLong now = new AtomicLong();
    private final KeptAnswers kept = new KeptAnswers(Duration.ofSeconds(1), now::get);
    private final AtomicBoolean connectionOpen = new AtomicBoolean(true);
    private final UUID org = UUID.randomUUID();

    @Test
    void aKeptAnswerIsServedWithoutRenderingAgainWhileNothingChanged() {
        kept.listening(connectionOpen::get);
        Renders renders = new Renders();

        assertEquals("1", answer(org, renders));
        assertEquals("1", answer(org, renders));
        assertEquals(1, renders.count());
    }

    @Test
    void pastHalfItsTimeAnAnswerIsRenderedAgainBehindTheKeptOne() {
        kept.listening(connectionOpen::get);
        AtomicReference<UniEmitter<? super byte[]>> pending = new AtomicReference<>();
        AtomicInteger renders = new AtomicInteger();
        Supplier<Uni<byte[]>> render = () -> renders.incrementAndGet() == 1 ? Uni.createFrom().item(bytes("first"))
                : Uni.createFrom().<byte[]>emitter(pending::set);
        text(kept.answer(org, ALL_AGENTS, render));

        now.set(Duration.ofMillis(400).toNanos());
        assertEquals("first", text(kept.answer(org, ALL_AGENTS, render)));
        assertEquals(1, renders.get());
        now.set(Duration.ofMillis(600).toNanos());
        assertEquals("first", text(kept.answer(org, ALL_AGENTS, render)));
        assertEquals("first", text(kept.answer(org, ALL_AGENTS, render)));
        assertEquals(2, renders.get());

        pending.get().complete(bytes("rendered ahead"));
        now.set(Duration.ofMillis(1_050).toNanos());
        assertEquals("rendered ahead", text(kept.answer(org, ALL_AGENTS, render)));
        assertEquals(2, renders.get());
    }

    @Test
    void onceItsTimeIsUpAnAnswerIsNotServed() {
        kept.listening(connectionOpen::get);
        Renders renders = new Renders();
        answer(org, renders);

        now.set(Duration.ofSeconds(1).toNanos());

        assertEquals("2", answer(org, renders));
    }

    @Test
    void aChangeHeardSetsAsideThatOrganizationsAnswersOnly() {
        kept.listening(connectionOpen::get);
        UUID other = UUID.randomUUID();
        Renders renders = new Renders();
        Renders others = new Renders();
        answer(org, renders);
        answer(other, others);

        kept.changed(org);

        assertEquals("2", answer(org, renders));
        assertEquals("1", answer(other, others));
    }

    @Test
    void anotherOrganizationNeverGetsTheAnswerKeptForTheSameRequest() {
        kept.listening(connectionOpen::get);
        kept.answer(org, ALL_AGENTS, () -> Uni.createFrom().item(bytes("org A's agents"))).await().indefinitely();

        String other = text(kept.answer(UUID.randomUUID(), ALL_AGENTS, () -> Uni.createFrom().item(bytes("org B's agents"))));

        assertEquals("org B's agents", other);
    }

    @Test
    void nothingIsKeptBeforeListeningNorAfterTheConnectionIsLost() {
        Renders renders = new Renders();
        answer(org, renders);
        answer(org, renders);
        assertEquals(2, renders.count());

        kept.listening(connectionOpen::get);
        answer(org, renders);
        connectionOpen.set(false);
        answer(org, renders);
        answer(org, renders);
        assertEquals(5, renders.count());
    }

    @Test
    void aReconnectionSetsAsideWhatWasKeptBeforeIt() {
        kept.listening(connectionOpen::get);
        Renders renders = new Renders();
        answer(org, renders);

        kept.listening(connectionOpen::get);

        assertEquals("2", answer(org, renders));
    }

    @Test
    void aRenderThatBeganBeforeAChangeIsNotServedAfterIt() {
        kept.listening(connectionOpen::get);
        AtomicReference<UniEmitter<? super byte[]>> pending = new AtomicReference<>();
        AtomicReference<String> first = new AtomicReference<>();
        kept.answer(org, ALL_AGENTS, () -> Uni.createFrom().<byte[]>emitter(pending::set))
                .subscribe().with(json -> first.set(new String(json, StandardCharsets.UTF_8)));

        kept.changed(org);
        pending.get().complete(bytes("read before the change"));

        assertEquals("read before the change", first.get());
        assertEquals("read after the change", text(kept.answer(org, ALL_AGENTS,
                () -> Uni.createFrom().item(bytes("read after the change")))));
    }

    @Test
    void requestsWhileARenderRunsShareIt() {
        kept.listening(connectionOpen::get);
        AtomicReference<UniEmitter<? super byte[]>> pending = new AtomicReference<>();
        AtomicInteger renders = new AtomicInteger();
        Supplier<Uni<byte[]>> render = () -> {
            renders.incrementAndGet();
            return Uni.createFrom().<byte[]>emitter(pending::set);
        };
        AtomicReference<String> first = new AtomicReference<>();
        AtomicReference<String> second = new AtomicReference<>();
        kept.answer(org, ALL_AGENTS, render).subscribe().with(json -> first.set(new String(json, StandardCharsets.UTF_8)));
        kept.answer(org, ALL_AGENTS, render).subscribe().with(json -> second.set(new String(json, StandardCharsets.UTF_8)));

        pending.get().complete(bytes("once"));

        assertEquals(1, renders.get());
        assertEquals("once", first.get());
        assertEquals("once", second.get());
    }

    @Test
    void whileThisReplicaAppliesAChangeTheDatabaseIsReadAndWhatItReadIsNotKept() {
        kept.listening(connectionOpen::get);
        Renders renders = new Renders();
        answer(org, renders);
        AtomicReference<UniEmitter<? super Void>> transaction = new AtomicReference<>();
        kept.applying(org, Uni.createFrom().<Void>emitter(transaction::set)).subscribe().with(done -> { });

        assertEquals("2", answer(org, renders));
        assertEquals("3", answer(org, renders));
        transaction.get().complete(null);

        assertEquals("4", answer(org, renders));
        assertEquals("4", answer(org, renders));
    }

    @Test
    void aFailedTransactionStillSetsAsideWhatWasReadDuringIt() {
        kept.listening(connectionOpen::get);
        Renders renders = new Renders();
        AtomicReference<UniEmitter<? super Void>> transaction = new AtomicReference<>();
        kept.applying(org, Uni.createFrom().<Void>emitter(transaction::set)).subscribe().with(done -> { }, failed -> { });
        answer(org, renders);

        transaction.get().fail(new IllegalStateException("rolled back"));

        assertEquals("2", answer(org, renders));
    }

    @Test
    void aRebuildSetsAsideEveryOrganizationsAnswers() {
        kept.listening(connectionOpen::get);
        UUID other = UUID.randomUUID();
        Renders renders = new Renders();
        Renders others = new Renders();
        answer(org, renders);
        answer(other, others);

        kept.resetting(Uni.createFrom().voidItem()).await().indefinitely();

        assertEquals("2", answer(org, renders));
        assertEquals("2", answer(other, others));
    }

    @Test
    void aFailedRenderIsNotKept() {
        kept.listening(connectionOpen::get);
        AtomicInteger attempts = new AtomicInteger();
        Supplier<Uni<byte[]>> flaky = () -> attempts.incrementAndGet() == 1
                ? Uni.createFrom().failure(new IllegalStateException("database down"))
                : Uni.createFrom().item(bytes("back"));

        kept.answer(org, ALL_AGENTS, flaky).onFailure().recoverWithNull().await().indefinitely();

        assertEquals("back", text(kept.answer(org, ALL_AGENTS, flaky)));
    }

    private String answer(UUID organization, Renders renders) {
        return text(kept.answer(organization, ALL_AGENTS, renders));
    }

    private static String text(Uni<byte[]> answer) {
        return new String(answer.await().indefinitely(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A render that answers how many times it has been read. */
    private static final class Renders implements Supplier<Uni<byte[]>> {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Uni<byte[]> get() {
            return Uni.createFrom().item(() -> bytes(Integer.toString(count.incrementAndGet())));
        }

        int count() {
            return count.get();
        }
    }
}
