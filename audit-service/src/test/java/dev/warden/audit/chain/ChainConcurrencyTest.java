package dev.warden.audit.chain;

import dev.warden.audit.recording.EntryMapper;
import dev.warden.audit.chain.ChainAppender;
import dev.warden.audit.drift.DriftDetector.Incoming;
import dev.warden.audit.support.AuditFixtures;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static dev.warden.audit.support.AuditFixtures.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Appenders racing on one organization take turns; a replay of everything adds nothing. */
@QuarkusTest
class ChainConcurrencyTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    ChainAppender chain;

    @Inject
    dev.warden.audit.recording.AuditRecorder recorder;

    private TestOrg org;
    /** The chain's head before the test: the entries of the organization's own creation. */
    private int base;

    @BeforeEach
    void organization() {
        org = AuditFixtures.organization();
        base = AuditFixtures.head(org);
    }

    @Test
    void concurrentBatchesForOneOrganizationNeverForkOrLeaveGaps() {
        List<Uni<List<AuditEntry>>> batches = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            int batch = b;
            List<Incoming> incoming = IntStream.range(0, 25).mapToObj(i -> incoming(
                    AuditFixtures.deployed(org.id(), "agent-" + batch, i + 1, "img"))).toList();
            batches.add(chain.append(org.id(), incoming, Instant.now()));
        }

        Uni.join().all(batches).andFailFast().await().atMost(WAIT);

        List<Integer> sequences = as(org, "auditor").get("/v1/audit?limit=1000").then().extract().path("entries.sequence");
        assertEquals(LongStream.rangeClosed(1, base + 200).boxed().map(Long::intValue).toList(), sequences);
        as(org, "auditor").get("/v1/audit/verify").then().body("valid", equalTo(true))
                .body("entries_checked", equalTo(base + 200));
    }

    @Test
    void replayingEveryRecordFromTheBeginningAddsNothing() {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            CloudEvent event = AuditFixtures.deployed(org.id(), "agent-" + (i % 4), i + 1, "img");
            records.add(new ConsumerRecord<>(Topics.AGENTS, i % 6, i, event.subject(), EventJson.write(event)));
        }

        recorder.record(records).await().atMost(WAIT);
        recorder.record(records).await().atMost(WAIT);
        recorder.record(records.subList(10, 20)).await().atMost(WAIT);

        as(org, "auditor").get("/v1/audit").then().body("total", equalTo(base + 30));
        as(org, "auditor").get("/v1/audit/verify").then().body("valid", equalTo(true));
    }

    private static Incoming incoming(CloudEvent event) {
        return new Incoming(event, EntryMapper.map(event, Instant.now()));
    }
}
