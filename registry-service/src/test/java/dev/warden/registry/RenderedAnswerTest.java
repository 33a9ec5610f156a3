package dev.warden.registry;

import dev.warden.api.PageRequest;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentStatus;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static dev.warden.registry.support.History.T0;
import static dev.warden.registry.support.History.agent;
import static dev.warden.registry.support.History.as;
import static dev.warden.registry.support.History.changed;
import static dev.warden.registry.support.History.entry;
import static dev.warden.registry.support.History.organization;
import static dev.warden.registry.support.History.publish;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** GET /v1/registry reuses the answer it rendered only while nothing was applied: an applied event shows at once. */
@QuarkusTest
class RenderedAnswerTest {

    /** A cursor before every agent: the same list, read and rendered on every request, never a kept answer. */
    private static final String FROM_THE_START = PageRequest.Cursor.at(java.time.Instant.EPOCH, new UUID(0, 0)).encode();

    @Test
    void anAppliedEventShowsInTheNextAnswerThoughTheLastOneWasKept() {
        TestOrg org = organization();
        UUID agent = UUID.randomUUID();
        publish(Topics.AGENTS, changed(agent(org.id(), agent, "kept-agent", AgentStatus.ACTIVE, 1, 1)));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                as(org, "viewer").get("/v1/registry").path("summary.total_agents").equals(1));
        as(org, "viewer").get("/v1/registry").then().statusCode(200)
                .body("agents[0].audit_action_count", equalTo(0));

        publish(Topics.AUDIT, entry(org.id(), 1, agent, T0));
        await().atMost(Duration.ofSeconds(30)).until(() -> as(org, "viewer").get("/v1/registry?cursor=" + FROM_THE_START)
                .path("agents[0].audit_action_count").equals(1));
        as(org, "viewer").get("/v1/registry").then().statusCode(200)
                .body("agents[0].audit_action_count", equalTo(1))
                .body("agents[0].name", equalTo("kept-agent"));
    }
}
