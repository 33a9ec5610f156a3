package dev.warden.audit.checkpoint;

import dev.warden.outbox.LeaderJob;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A round's outcome as the leader loop sees it: the loop records a completed round only when {@code runOnce}
 * returns, and {@code WardenCheckpointsStale} fires on that time, so a round whose signing failed must throw.
 */
class DueCheckpointsTest {

    private static final SigningKey.Config CONFIG = new SigningKey.Config() {
        @Override
        public Optional<String> signingKey() {
            return Optional.empty();
        }

        @Override
        public Optional<String> signingPublicKey() {
            return Optional.empty();
        }

        @Override
        public Duration checkpointInterval() {
            return Duration.ofSeconds(60);
        }

        @Override
        public long checkpointEveryEntries() {
            return 10_000;
        }
    };

    /** The signing part of the service answering {@code outcome}; nothing else of it is reached. */
    private static CheckpointService signing(Uni<Integer> outcome) {
        return signing(outcome, new ArrayList<>());
    }

    /** As {@link #signing(Uni)}, noting how far past its checkpoint a head had to be in each round. */
    private static CheckpointService signing(Uni<Integer> outcome, List<Long> pastAsked) {
        return new CheckpointService(null, null, null, null) {
            @Override
            public Uni<Integer> signPast(long entries) {
                pastAsked.add(entries);
                return outcome;
            }
        };
    }

    @Test
    void aRoundWhoseSigningFailsIsAFailedRoundNotACompletedOne() {
        DueCheckpoints job = new DueCheckpoints(signing(Uni.createFrom().failure(
                new IllegalStateException("Connection refused"))), CONFIG);
        LeaderJob.RetryLater failed = assertThrows(LeaderJob.RetryLater.class, () -> job.runOnce(null));
        assertEquals("checkpoint signing failed: Connection refused", failed.getMessage());
    }

    @Test
    void everyMovedHeadIsSignedEachIntervalAndAChainFarPastItsCheckpointWithinASecond() throws Exception {
        List<Long> pastAsked = new ArrayList<>();
        AtomicLong now = new AtomicLong(0);
        DueCheckpoints job = new DueCheckpoints(signing(Uni.createFrom().item(3), pastAsked), CONFIG, now::get);
        assertEquals(Optional.of(Duration.ofMillis(250)), job.interval(), "the loop looks four times a second");

        assertFalse(job.runOnce(null)); // a new leader: every moved head
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertFalse(job.runOnce(null)); // within the interval: heads 10,000 past their checkpoint only
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertFalse(job.runOnce(null)); // the interval over: every moved head again
        job.lead(null);
        assertFalse(job.runOnce(null)); // leading anew: every moved head
        assertEquals(List.of(1L, 10_000L, 1L, 1L), pastAsked);
    }

    @Test
    void aFailedFullRoundIsTriedAgainAsAFullRound() {
        List<Long> pastAsked = new ArrayList<>();
        DueCheckpoints job = new DueCheckpoints(signing(Uni.createFrom().failure(new IllegalStateException("down")),
                pastAsked), CONFIG, () -> 0);
        assertThrows(LeaderJob.RetryLater.class, () -> job.runOnce(null));
        assertThrows(LeaderJob.RetryLater.class, () -> job.runOnce(null));
        assertEquals(List.of(1L, 1L), pastAsked);
    }
}
