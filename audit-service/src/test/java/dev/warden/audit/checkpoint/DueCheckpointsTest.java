package dev.warden.audit.checkpoint;

import dev.warden.outbox.LeaderJob;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

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
    };

    /** The signing part of the service answering {@code outcome}; nothing else of it is reached. */
    private static CheckpointService signing(Uni<Integer> outcome) {
        return new CheckpointService(null, null, null, null) {
            @Override
            public Uni<Integer> signDue() {
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
    void aRoundThatSignedWaitsForTheInterval() throws Exception {
        DueCheckpoints job = new DueCheckpoints(signing(Uni.createFrom().item(3)), CONFIG);
        assertFalse(job.runOnce(null));
        assertEquals(Optional.of(Duration.ofSeconds(60)), job.interval());
    }
}
