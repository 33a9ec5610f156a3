package dev.warden.agent.lifecycle;

/** Who asks for a change, as far as the rules care: a name for audit fields, and whether they are an org admin. */
record Caller(String name, boolean admin) {
}
