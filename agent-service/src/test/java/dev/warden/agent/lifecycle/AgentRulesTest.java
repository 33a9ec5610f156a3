package dev.warden.agent.lifecycle;

import dev.warden.api.ApiException;
import dev.warden.events.agent.AgentType;
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
