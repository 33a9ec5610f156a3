package dev.warden.agent.support;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Object Mother for agent requests. */
public final class AgentMother {

    private AgentMother() {
    }

    public static Map<String, Object> triageAgent() {
        Map<String, Object> agent = new HashMap<>();
        agent.put("name", "triage-agent");
        agent.put("description", "Automated SOC triage agent");
        agent.put("runtime", "docker");
        agent.put("agent_type", "supervised");
        agent.put("tags", List.of("production", "soc"));
        agent.put("risk_config", Map.of("default_risk_score", 50, "auto_approve_below", 30, "max_risk_threshold", 80));
        agent.put("capabilities", Map.of("allowed_action_types", List.of("detections:read"),
                "allowed_resources", List.of("crowdstrike"), "blocked_resources", List.of("customer-pii")));
        agent.put("metadata", Map.of("team", "soc"));
        return agent;
    }

    public static Map<String, Object> with(Map<String, Object> base, String field, Object value) {
        Map<String, Object> copy = new HashMap<>(base);
        copy.put(field, value);
        return copy;
    }

    public static Map<String, Object> deployment(String image) {
        return Map.of("image_uri", image, "config", Map.of("replicas", 1), "notes", "release " + image);
    }

    public static Map<String, Object> intent() {
        return Map.of(
                "permitted_connectors", List.of("crowdstrike", "jira"),
                "permitted_actions", List.of("detections:read", "issues:create"),
                "data_types", List.of("detection data", "issue data"),
                "description", "Read CrowdStrike detections and create Jira tickets for triage");
    }
}
