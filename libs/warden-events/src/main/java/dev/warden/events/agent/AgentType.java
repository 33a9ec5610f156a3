package dev.warden.events.agent;

import com.fasterxml.jackson.annotation.JsonValue;

public enum AgentType {
    AUTONOMOUS, SUPERVISED, ADVISORY, MCP_SERVER;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
