package dev.warden.agent.lifecycle;

import dev.warden.api.ApiException;
import dev.warden.events.agent.AgentType;
import dev.warden.events.agent.Capabilities;
import dev.warden.events.agent.McpIntegration;
import dev.warden.events.agent.Notifications;
import dev.warden.events.agent.RiskConfig;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The rules alone, without Quarkus: what makes an agent valid, each refusal naming its field. */
class AgentRulesTest {

    @Test
    void aNewAgentWithANameAndRuntimeIsValid() {
        assertDoesNotThrow(() -> AgentRules.check(agent()));
    }

    @Test
    void everyMissingRequiredFieldIsNamed() {
        Agent a = agent();
        a.name = null;
        a.runtime = null;
        assertEquals(List.of("name", "runtime"), fields(a));
    }

    @Test
    void autoApprovalAboveTheMaximumRiskIsRefused() {
        Agent a = agent();
        a.riskConfig = new RiskConfig(50, 90, 80, 70, 20, 60);
        assertEquals(List.of("risk_config.auto_approve_below"), fields(a));
    }

    @Test
    void riskScoresStayWithinZeroToAHundred() {
        Agent a = agent();
        a.riskConfig = new RiskConfig(101, 30, 80, 70, 20, 60);
        assertEquals(List.of("risk_config.default_risk_score"), fields(a));
    }

    @Test
    void anMcpServerTypeMakesTheAgentAnMcpServerUnlessTheRequestSaysItIsNot() {
        McpIntegration none = McpIntegration.NONE;
        assertEquals(true, AgentRules.mcpServer(AgentType.MCP_SERVER, none, null).isMcpServer());
        assertEquals(true, AgentRules.mcpServer(AgentType.MCP_SERVER, new McpIntegration(true, null, none.mcpCapabilities()), true)
                .isMcpServer());
        ApiException refused = assertThrows(ApiException.class, () -> AgentRules.mcpServer(AgentType.MCP_SERVER, none, false));
        assertEquals(400, refused.status());
        assertSame(none, AgentRules.mcpServer(AgentType.SUPERVISED, none, false));
        McpIntegration server = new McpIntegration(true, null, none.mcpCapabilities());
        assertSame(server, AgentRules.mcpServer(AgentType.ADVISORY, server, null));
    }

    @Test
    void webhooksMustBeHttpUrls() {
        Agent a = agent();
        a.notifications = new Notifications(false, List.of(), "file:///etc/passwd");
        assertEquals(List.of("notifications.webhook_url"), fields(a));
    }

    @Test
    void listsAreBoundedAndHaveNoBlankEntries() {
        Agent a = agent();
        a.tags = Collections.nCopies(AgentRules.MAX_LIST + 1, "t");
        assertEquals(List.of("tags"), fields(a));
        a.tags = List.of("ok", " ");
        assertEquals(List.of("tags"), fields(a));
    }

    @Test
    void everyListEntryIsOneLineOfAtMostTwoHundredCharacters() {
        Agent a = agent();
        a.tags = List.of("ok", "A".repeat(AgentRules.MAX_TEXT + 1));
        assertEquals(List.of("tags"), fields(a));
        a = agent();
        a.capabilities = new Capabilities(List.of("a\nb"), List.of(), List.of("a\u2028b"));
        assertEquals(List.of("capabilities.allowed_action_types[0]", "capabilities.blocked_resources[0]"), fields(a));
        a = agent();
        a.tags = List.of("\u202eevil");
        assertEquals(List.of("tags[0]"), fields(a));
    }

    @Test
    void alertRecipientsAreMailAddressesWithoutHeadersInThem() {
        Agent a = agent();
        a.notifications = new Notifications(true, List.of("security@example.com", "soc.team+alerts@mail.example.org"), null);
        assertDoesNotThrow(() -> AgentRules.check(a));
        a.notifications = new Notifications(true, List.of("a@b.com\r\nBcc: evil@x.com"), null);
        assertEquals(List.of("notifications.alert_recipients[0]"), fields(a));
        for (String notAnAddress : List.of("security", "a@b@c", "Alice <a@b.com>", "a@-b.com", "a b@c.com", "a@b.com,c@d.com")) {
            a.notifications = new Notifications(true, List.of("ok@example.com", notAnAddress), null);
            assertEquals(List.of("notifications.alert_recipients[1]"), fields(a), notAnAddress);
        }
    }

    private static Agent agent() {
        Agent a = Agent.create(UUID.randomUUID(), "alice");
        a.name = "triage-agent";
        a.runtime = "docker";
        return a;
    }

    private static List<String> fields(Agent a) {
        ApiException refused = assertThrows(ApiException.class, () -> AgentRules.check(a));
        assertEquals(400, refused.status());
        return refused.details().stream().map(d -> d.field()).distinct().toList();
    }
}
