package dev.warden.events.agent;

import com.fasterxml.jackson.annotation.JsonValue;

public enum AgentStatus {
    INACTIVE, ACTIVE, SUSPENDED, ERROR;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
