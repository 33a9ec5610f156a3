package dev.warden.events;

import java.util.Map;

/** Every event type, and the topic whose schema document describes it. */
public final class EventTypes {

    public static final String AGENT_CREATED = "dev.warden.agent.created.v1";
    public static final String AGENT_UPDATED = "dev.warden.agent.updated.v1";
    public static final String AGENT_DEPLOYED = "dev.warden.agent.deployed.v1";
    public static final String AGENT_SUSPENDED = "dev.warden.agent.suspended.v1";
    public static final String AGENT_INTENT_DECLARED = "dev.warden.agent.intent-declared.v1";
    public static final String AGENT_ROLLED_BACK = "dev.warden.agent.rolled-back.v1";
    public static final String CONNECTOR_BOUND = "dev.warden.agent.connector-bound.v1";
    public static final String CONNECTOR_UNBOUND = "dev.warden.agent.connector-unbound.v1";
    public static final String REGISTRATION_REQUESTED = "dev.warden.agent.registration-requested.v1";
    public static final String REGISTRATION_APPROVED = "dev.warden.agent.registration-approved.v1";
    public static final String REGISTRATION_REJECTED = "dev.warden.agent.registration-rejected.v1";
    public static final String REGISTRATION_EXPIRED = "dev.warden.agent.registration-expired.v1";
    public static final String REGISTRATION_RULE_CREATED = "dev.warden.agent.registration-rule-created.v1";
    public static final String REGISTRATION_RULE_DELETED = "dev.warden.agent.registration-rule-deleted.v1";
    public static final String OPEN_REGISTRATION_CHANGED = "dev.warden.agent.open-registration-changed.v1";
    public static final String REGISTRATION_CAPABILITIES_CHANGED = "dev.warden.agent.registration-capabilities-changed.v1";
    public static final String REALM_CREATED = "dev.warden.realm.created.v1";
    public static final String REALM_CHANGED = "dev.warden.realm.changed.v1";
    public static final String REALM_DELETED = "dev.warden.realm.deleted.v1";
    public static final String POLICY_CREATED = "dev.warden.policy.created.v1";
    public static final String POLICY_CHANGED = "dev.warden.policy.changed.v1";
    public static final String POLICY_BOUND = "dev.warden.policy.bound.v1";
    public static final String POLICY_UNBOUND = "dev.warden.policy.unbound.v1";
    public static final String POLICY_REMOVED = "dev.warden.policy.removed.v1";

    public static final String AGENT_ACTION = "dev.warden.agent-action.performed.v1";

    public static final String EXECUTION_STARTED = "dev.warden.execution.started.v1";
    public static final String EXECUTION_FINISHED = "dev.warden.execution.finished.v1";

    public static final String AUDIT_ENTRY_RECORDED = "dev.warden.audit.entry-recorded.v1";
    public static final String AUDIT_CHECKPOINT_SIGNED = "dev.warden.audit.checkpoint-signed.v1";
    public static final String AUDIT_DRIFT_DETECTED = "dev.warden.audit.drift-detected.v1";
    public static final String AUDIT_COMPLIANCE_PACKAGE_CREATED = "dev.warden.audit.compliance-package-created.v1";

    /** fleet-service: an instance's liveness transitions, each with the previous state (warden.fleet.v1). */
    public static final String FLEET_INSTANCE_REGISTERED = "dev.warden.fleet.instance-registered.v1";
    public static final String FLEET_INSTANCE_STALE = "dev.warden.fleet.instance-stale.v1";
    public static final String FLEET_INSTANCE_OFFLINE = "dev.warden.fleet.instance-offline.v1";
    public static final String FLEET_INSTANCE_ONLINE = "dev.warden.fleet.instance-online.v1";
    public static final String FLEET_INSTANCE_DEREGISTERED = "dev.warden.fleet.instance-deregistered.v1";
    /** Not a transition: an online instance's last figures, once per summary interval. */
    public static final String FLEET_INSTANCE_SUMMARY = "dev.warden.fleet.instance-summary.v1";
    /** fleet-service: an admin issued or revoked an enrolment token (its SHA-256 never travels). */
    public static final String FLEET_ENROLLMENT_TOKEN_ISSUED = "dev.warden.fleet.enrollment-token-issued.v1";
    public static final String FLEET_ENROLLMENT_TOKEN_REVOKED = "dev.warden.fleet.enrollment-token-revoked.v1";

    public static final String ORGANIZATION = "dev.warden.access.organization.v1";
    public static final String API_KEY = "dev.warden.access.api-key.v1";

    /** Event type to the topic it travels on; the schema of a type is {@code schemas/<topic>.json#/$defs/<type>}. */
    public static final Map<String, String> TOPIC_OF = Map.ofEntries(
            Map.entry(AGENT_CREATED, Topics.AGENTS),
            Map.entry(AGENT_UPDATED, Topics.AGENTS),
            Map.entry(AGENT_DEPLOYED, Topics.AGENTS),
            Map.entry(AGENT_SUSPENDED, Topics.AGENTS),
            Map.entry(AGENT_INTENT_DECLARED, Topics.AGENTS),
            Map.entry(AGENT_ROLLED_BACK, Topics.AGENTS),
            Map.entry(CONNECTOR_BOUND, Topics.AGENTS),
            Map.entry(CONNECTOR_UNBOUND, Topics.AGENTS),
            Map.entry(REGISTRATION_REQUESTED, Topics.AGENTS),
            Map.entry(REGISTRATION_APPROVED, Topics.AGENTS),
            Map.entry(REGISTRATION_REJECTED, Topics.AGENTS),
            Map.entry(REGISTRATION_EXPIRED, Topics.AGENTS),
            Map.entry(REGISTRATION_RULE_CREATED, Topics.AGENTS),
            Map.entry(REGISTRATION_RULE_DELETED, Topics.AGENTS),
            Map.entry(OPEN_REGISTRATION_CHANGED, Topics.AGENTS),
            Map.entry(REGISTRATION_CAPABILITIES_CHANGED, Topics.AGENTS),
            Map.entry(REALM_CREATED, Topics.AGENTS),
            Map.entry(REALM_CHANGED, Topics.AGENTS),
            Map.entry(REALM_DELETED, Topics.AGENTS),
            Map.entry(POLICY_CREATED, Topics.AGENTS),
            Map.entry(POLICY_CHANGED, Topics.AGENTS),
            Map.entry(POLICY_BOUND, Topics.AGENTS),
            Map.entry(POLICY_UNBOUND, Topics.AGENTS),
            Map.entry(POLICY_REMOVED, Topics.AGENTS),
            Map.entry(AGENT_ACTION, Topics.AGENT_ACTIONS),
            Map.entry(EXECUTION_STARTED, Topics.EXECUTIONS),
            Map.entry(EXECUTION_FINISHED, Topics.EXECUTIONS),
            Map.entry(AUDIT_ENTRY_RECORDED, Topics.AUDIT),
            Map.entry(AUDIT_CHECKPOINT_SIGNED, Topics.AUDIT),
            Map.entry(AUDIT_DRIFT_DETECTED, Topics.AUDIT),
            Map.entry(AUDIT_COMPLIANCE_PACKAGE_CREATED, Topics.AUDIT),
            Map.entry(FLEET_INSTANCE_REGISTERED, Topics.FLEET),
            Map.entry(FLEET_INSTANCE_STALE, Topics.FLEET),
            Map.entry(FLEET_INSTANCE_OFFLINE, Topics.FLEET),
            Map.entry(FLEET_INSTANCE_ONLINE, Topics.FLEET),
            Map.entry(FLEET_INSTANCE_DEREGISTERED, Topics.FLEET),
            Map.entry(FLEET_INSTANCE_SUMMARY, Topics.FLEET),
            Map.entry(FLEET_ENROLLMENT_TOKEN_ISSUED, Topics.FLEET),
            Map.entry(FLEET_ENROLLMENT_TOKEN_REVOKED, Topics.FLEET),
            Map.entry(ORGANIZATION, Topics.ACCESS),
            Map.entry(API_KEY, Topics.ACCESS));

    private EventTypes() {
    }
}
