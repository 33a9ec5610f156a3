package dev.warden.agent.registration;

import dev.warden.api.Checks;
import dev.warden.events.agent.AgentType;

import java.util.List;

/** The field checks registrations and rules share: capability names and agent types. */
final class RegistrationChecks {

    private RegistrationChecks() {
    }

    /** Required, no blank or repeated entry, each one a capability the deployment knows. */
    static Checks capabilities(Checks checks, String field, List<String> capabilities, List<String> available) {
        checks.required(field, capabilities).noBlankEntries(field, capabilities).distinct(field, capabilities, "a capability");
        for (String capability : capabilities == null ? List.<String>of() : capabilities) {
            checks.check(capability == null || capability.isBlank() || available.contains(capability), field,
                    "unknown capability " + abbreviated(capability) + "; known: " + available);
        }
        return checks;
    }

    /** The agent type named by {@code value}, null when absent; an unknown one is a field error. */
    static AgentType agentType(Checks checks, String field, String value) {
        if (value == null) {
            return null;
        }
        for (AgentType type : AgentType.values()) {
            if (type.toString().equals(value)) {
                return type;
            }
        }
        checks.check(false, field, "must be one of autonomous, supervised, advisory, mcp_server");
        return null;
    }

    private static String abbreviated(String text) {
        return text == null || text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
