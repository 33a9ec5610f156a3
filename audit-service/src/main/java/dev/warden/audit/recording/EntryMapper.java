package dev.warden.audit.recording;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.tenancy.security.Identities;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the audit log keeps of each event: who did what to which agent, through which connector, with which result,
 * and the facts seed 001 asks for (a deploy's version and image, a rollback's from and to versions, a run's exit code,
 * duration and output line counts). Access changes (API keys created and revoked, organizations created, disabled and
 * enabled) are entries of the organization without an agent; a key's entry names the key, never its secret's SHA-256.
 * So are fleet enrolment tokens issued and revoked (with the agent a token is pinned to, if any).
 */
public final class EntryMapper {

    /**
     * The actor of organization entries: only a platform administrator creates, disables or enables an organization,
     * and the organization's event does not say which one.
     */

    /**
     * No topic's event: audit-service's own entry that its database was found restored to an earlier point, written in a
     * chain that lost entries before the first of them is recorded again ({@link AuditRecorder#record}).
     */
    public static final String RESTORE_DETECTED = "dev.warden.audit.restore-detected.v1";
    /** Who writes {@link #RESTORE_DETECTED} entries. */
    public static final String AUDIT_SERVICE_ACTOR = "audit-service";

    /** Where an event names who made its change, the first present: who made this change before a record's last editor. */
    private static final List<String> ACTOR_FIELDS = List.of("/actor", "/changed_by", "/deployment/deployed_by",
            "/agent/updated_by", "/policy/updated_by", "/binding/created_by", "/requested_by", "/decided_by",
            "/registration/requested_by");

    /**
     * The namespaces of the action types Warden derives from its own events ({@code agent.deployed},
     * {@code api-key.revoked}, ...): an action an agent reports may not take one, so a reported action never reads as
     * a governance change in the log or under an {@code action_type} filter.
     */
    public static final List<String> RESERVED_ACTION_PREFIXES = List.of("agent.", "api-key.", "organization.", "policy.",
            "connector.", "execution.", "fleet.", "audit.", "access.", "drift.", "compliance.", "realm.", "registration.");
    /** What an API key's entry keeps of it: never {@code secret_sha256}. */
    private static final List<String> API_KEY_FIELDS = List.of("name", "role", "prefix", "expires_at");
    private static final List<String> RUN_FIELDS = List.of("execution_id", "exit_code", "duration_ms", "stdout_lines",
            "stderr_lines", "stdout_sha256", "stderr_sha256", "status");

    private EntryMapper() {
    }

    public static AuditEntry map(CloudEvent event, Instant recordedAt) {
        JsonNode data = event.data() == null ? JsonNodeFactory.instance.objectNode() : event.data();
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        String actionType = actionType(event.type());
        String agentId = event.subject();
        String connector = null;
        String status = "success";
        String inputsHash = null;
        String outputsHash = null;
        String actorOverride = null;
        Instant occurredAt = event.time() == null ? recordedAt : event.time();
        switch (event.type()) {
            case EventTypes.AGENT_ACTION -> {
                actionType = text(data, "/action");
                agentId = text(data, "/agent_id");
                connector = text(data, "/connector");
                status = text(data, "/status");
                inputsHash = text(data, "/inputs_hash");
                outputsHash = text(data, "/outputs_hash");
                copy(data, metadata, "/data_type", "data_type");
                // When the agent says it acted, not when the report arrived (the report's time is recorded_at).
                Instant reported = instant(data, "/occurred_at");
                if (reported != null) {
                    occurredAt = reported;
                }
            }
            case EventTypes.AGENT_DEPLOYED -> {
                copy(data, metadata, "/deployment/version", "version");
                copy(data, metadata, "/deployment/image_uri", "image_uri");
                copy(data, metadata, "/deployment/notes", "notes");
                liftedSuspension(data, metadata);
            }
            case EventTypes.AGENT_ROLLED_BACK -> {
                copy(data, metadata, "/from_version", "from_version");
                copy(data, metadata, "/to_version", "to_version");
                copy(data, metadata, "/image_uri", "image_uri");
                liftedSuspension(data, metadata);
            }
            case EventTypes.AGENT_INTENT_DECLARED -> {
                // Who vouches for the manifest: the agent's own key (its DID, and the detached JWS anyone can check
                // against the manifest with that DID's key) or the admin who set it (issue 9: the entry says which).
                copy(data, metadata, "/agent/declared_intent_digest", "declared_intent_digest");
                copy(data, metadata, "/agent/declared_intent_signed_by", "declared_intent_signed_by");
                copy(data, metadata, "/agent/declared_intent_jws", "declared_intent_jws");
            }
            case EventTypes.AGENT_UPDATED -> copy(data, metadata, "/changed_fields", "changed_fields");
            case EventTypes.CONNECTOR_BOUND, EventTypes.CONNECTOR_UNBOUND -> {
                connector = text(data, "/binding/connector");
                copy(data, metadata, "/binding/id", "binding_id");
            }
            case EventTypes.POLICY_CREATED, EventTypes.POLICY_CHANGED, EventTypes.POLICY_REMOVED,
                 EventTypes.POLICY_BOUND, EventTypes.POLICY_UNBOUND -> {
                agentId = data.hasNonNull("agent_id") ? data.get("agent_id").asText() : null;
                copy(data, metadata, "/policy/id", "policy_id");
                copy(data, metadata, "/policy/version", "policy_version");
                copy(data, metadata, "/policy/name", "policy_name");
            }
            case EventTypes.REALM_CREATED, EventTypes.REALM_CHANGED, EventTypes.REALM_DELETED -> {
                agentId = null; // keyed by the realm, which is no agent
                copy(data, metadata, "/realm/id", "realm_id");
                copy(data, metadata, "/realm/name", "realm_name");
                copy(data, metadata, "/realm/slug", "realm_slug");
            }
            case EventTypes.EXECUTION_STARTED, EventTypes.EXECUTION_FINISHED -> {
                // What ran and what it printed (seed 001): runner-service's execution events.
                for (String field : RUN_FIELDS) {
                    copy(data, metadata, "/" + field, field);
                }
                for (String field : List.of("version", "image", "image_digest", "truncated", "error")) {
                    copy(data, metadata, "/" + field, field);
                }
                copy(data, metadata, "/limits/tier", "tier");
                status = metadata.hasNonNull("status") ? metadata.get("status").asText() : "running";
                if (actor(data) == null && data.hasNonNull("requested_by")) {
                    actorOverride = data.get("requested_by").asText();
                }
            }
            case EventTypes.API_KEY -> {
                // agent-service publishes a key when it is created and when it is revoked (a use publishes nothing).
                boolean revoked = data.path("revoked").asBoolean(false);
                agentId = null;
                actionType = revoked ? "api-key.revoked" : "api-key.created";
                actorOverride = text(data, revoked ? "/revoked_by" : "/created_by");
                copy(data, metadata, "/id", "key_id");
                for (String field : API_KEY_FIELDS) {
                    copy(data, metadata, "/" + field, field);
                }
            }
            case EventTypes.REGISTRATION_REQUESTED, EventTypes.REGISTRATION_APPROVED, EventTypes.REGISTRATION_REJECTED,
                 EventTypes.REGISTRATION_EXPIRED -> {
                // About the agent an approval made (none before), not the registration, whose id is in the metadata.
                agentId = text(data, "/agent_id");
                copy(data, metadata, "/registration/id", "registration_id");
                copy(data, metadata, "/registration/name", "name");
                copy(data, metadata, "/registration/did", "did");
                copy(data, metadata, "/registration/requested_capabilities", "requested_capabilities");
                copy(data, metadata, "/registration/risk_score", "risk_score");
                copy(data, metadata, "/granted_capabilities", "granted_capabilities");
                copy(data, metadata, "/rule_id", "rule_id");
                copy(data, metadata, "/reason", "reason");
            }
            case EventTypes.REGISTRATION_RULE_CREATED, EventTypes.REGISTRATION_RULE_DELETED -> {
                agentId = null;
                copy(data, metadata, "/rule/id", "rule_id");
                copy(data, metadata, "/rule/name", "name");
                copy(data, metadata, "/rule/capabilities", "capabilities");
                copy(data, metadata, "/rule/agent_type", "agent_type");
                copy(data, metadata, "/rule/max_risk_score", "max_risk_score");
            }
            case EventTypes.OPEN_REGISTRATION_CHANGED -> {
                agentId = null;
                copy(data, metadata, "/open_registration", "open_registration");
            }
            case EventTypes.REGISTRATION_CAPABILITIES_CHANGED -> {
                agentId = null;
                // null: every capability the deployment knows
                metadata.set("available_capabilities", data.path("available_capabilities").isArray()
                        ? data.get("available_capabilities") : JsonNodeFactory.instance.nullNode());
            }
            case EventTypes.FLEET_INSTANCE_REGISTERED, EventTypes.FLEET_INSTANCE_STALE, EventTypes.FLEET_INSTANCE_OFFLINE,
                 EventTypes.FLEET_INSTANCE_ONLINE, EventTypes.FLEET_INSTANCE_DEREGISTERED, EventTypes.FLEET_INSTANCE_SUMMARY -> {
                // Which instance, and the change; never its credential's SHA-256. agent_id stays the subject: the
                // agent the instance runs, else the instance's own id (seed 003 calls instances agents).
                copy(data, metadata, "/instance/id", "instance_id");
                copy(data, metadata, "/instance/hostname", "hostname");
                copy(data, metadata, "/previous_state", "previous_state");
                copy(data, metadata, "/state", "state");
            }
            case EventTypes.FLEET_ENROLLMENT_TOKEN_ISSUED, EventTypes.FLEET_ENROLLMENT_TOKEN_REVOKED -> {
                // The agent a token is pinned to, if any (the subject names the token); never the token's hash.
                agentId = text(data, "/agent_id");
                copy(data, metadata, "/token_id", "token_id");
                copy(data, metadata, "/max_uses", "max_uses");
                copy(data, metadata, "/expires_at", "expires_at");
            }
            case RESTORE_DETECTED -> {
                agentId = null;
                actorOverride = AUDIT_SERVICE_ACTOR;
                metadata.set("partitions", data.path("partitions"));
            }
            case EventTypes.ORGANIZATION -> {
                agentId = null;
                actionType = organizationChange(data);
                actorOverride = Identities.PLATFORM_ACTOR;
                copy(data, metadata, "/name", "name");
                copy(data, metadata, "/status", "status");
            }
            default -> {
                // Fleet events: keep the run facts seed 001 asks for when they are present.
                for (String field : RUN_FIELDS) {
                    copy(data, metadata, "/" + field, field);
                }
                if (metadata.hasNonNull("status")) {
                    status = metadata.get("status").asText();
                }
            }
        }
        return new AuditEntry(event.orgid(), 0, event.id(), event.type(), agentId,
                actorOverride != null ? actorOverride : actor(data), actionType, connector,
                status, inputsHash, outputsHash, metadata, occurredAt, recordedAt, null, null);
    }

    /**
     * Whether {@code action} takes a namespace of Warden's own action types ({@link #RESERVED_ACTION_PREFIXES}), or
     * reads as one: compared by Unicode's confusable skeleton (UTS #39, through ICU: a Cyrillic, Armenian or Cherokee
     * look-alike reads as its Latin letter), after compatibility folding (a one-dot leader reads as a dot), without
     * combining marks or invisible format characters, without surrounding white space and in any case
     * ({@code " Agent.deployed"} is reserved too).
     */
    public static boolean reservedActionType(String action) {
        String folded = folded(action);
        // Lowercased before the skeleton (POLICY: an upper-case I reads as an l) and after it (a Cherokee capital
        // reads as a Latin capital; its small form reads as nothing Latin)
        String lowerFirst = skeleton(folded.toLowerCase(java.util.Locale.ROOT));
        String lowerAfter = skeleton(folded);
        return RESERVED_SKELETONS.stream().anyMatch(p -> lowerFirst.startsWith(p) || lowerAfter.startsWith(p));
    }

    /** Combining marks and format characters: what changes a name's bytes but not how it reads. */
    private static final java.util.regex.Pattern UNSEEN = java.util.regex.Pattern.compile("[\\p{M}\\p{Cf}]");
    private static final com.ibm.icu.text.SpoofChecker CONFUSABLES = new com.ibm.icu.text.SpoofChecker.Builder()
            .setChecks(com.ibm.icu.text.SpoofChecker.CONFUSABLE).build();
    private static final List<String> RESERVED_SKELETONS = RESERVED_ACTION_PREFIXES.stream()
            .map(prefix -> skeleton(folded(prefix))).toList();

    /** Compatibility-folded, decomposed, without marks and format characters, trimmed. */
    private static String folded(String name) {
        String read = java.text.Normalizer.normalize(java.text.Normalizer.normalize(name,
                java.text.Normalizer.Form.NFKC), java.text.Normalizer.Form.NFD);
        return UNSEEN.matcher(read).replaceAll("").strip();
    }

    /** Unicode's confusable skeleton (UTS #39), lowercased. */
    private static String skeleton(String name) {
        return CONFUSABLES.getSkeleton(name).toLowerCase(java.util.Locale.ROOT);
    }

    /** A deploy or rollback that lifted a suspension says so: who lifted one is what an auditor looks for. */
    private static void liftedSuspension(JsonNode data, ObjectNode metadata) {
        if (data.path("lifted_suspension").asBoolean(false)) {
            metadata.put("lifted_suspension", true);
        }
    }

    /** {@code dev.warden.agent.deployed.v1} is recorded as {@code agent.deployed}. */
    static String actionType(String type) {
        String name = type.startsWith("dev.warden.") ? type.substring("dev.warden.".length()) : type;
        return name.replaceFirst("\\.v[0-9]+$", "");
    }

    /**
     * agent-service publishes an organization when it creates it (active, {@code updated_at} equal to
     * {@code created_at}) and when its status changes (a later {@code updated_at}); nothing else publishes it.
     */
    static String organizationChange(JsonNode data) {
        if ("disabled".equals(text(data, "/status"))) {
            return "organization.disabled";
        }
        return Objects.equals(instant(data, "/created_at"), instant(data, "/updated_at")) ? "organization.created"
                : "organization.enabled";
    }

    private static Instant instant(JsonNode data, String pointer) {
        String value = text(data, pointer);
        return value == null ? null : Instant.parse(value);
    }

    private static String actor(JsonNode data) {
        for (String field : ACTOR_FIELDS) {
            String value = text(data, field);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    private static String text(JsonNode data, String pointer) {
        JsonNode node = data.at(pointer);
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    private static void copy(JsonNode data, ObjectNode metadata, String pointer, String name) {
        JsonNode node = data.at(pointer);
        if (!node.isMissingNode() && !node.isNull()) {
            metadata.set(name, node);
        }
    }
}
