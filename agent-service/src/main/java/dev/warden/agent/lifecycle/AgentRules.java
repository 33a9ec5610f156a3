package dev.warden.agent.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.api.ApiException;
import dev.warden.api.Checks;
import dev.warden.api.OutboundUrls;
import dev.warden.events.EventJson;
import dev.warden.events.agent.AgentStatus;
import dev.warden.events.agent.AgentType;
import dev.warden.events.agent.McpIntegration;
import dev.warden.events.agent.RiskConfig;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** What a valid agent is: checked on the agent as it would be after a change, so patches are checked whole. */
public final class AgentRules {

    static final int MAX_TEXT = 200;
    static final int MAX_DESCRIPTION = 4000;
    static final int MAX_URI = 1024;
    /** The longest repository name Docker and Podman take (the distribution spec's limit). */
    static final int MAX_REPOSITORY = 255;
    static final int MAX_LIST = 100;
    static final int MAX_SYSTEM_PROMPT = 16_000;
    /**
     * The most an agent may be as JSON (UTF-8), all its fields together: every agent event carries the whole agent,
     * and this leaves room in an event ({@link EventJson#MOST_EVENT_BYTES}) for a deployment's config and the rest, so
     * that no deploy, rollback or suspension of an agent is ever refused for its size. Each field's own bound allows
     * more in all (a user trial grew an agent past 1 MB with PATCHes under the request limit, and its event stopped
     * agent-service's outbox relay).
     */
    static final int MAX_AGENT_BYTES = 512 * 1024;
    /**
     * A connector's name, as bindings take it and reported actions name it: an intent's permitted connector of any
     * other form could never match either.
     */
    public static final Pattern CONNECTOR = Pattern.compile("[a-z0-9][a-z0-9_.-]*");
    public static final String CONNECTOR_RULE = "must be lowercase letters, digits, '.', '_' or '-'";
    /**
     * An alert recipient: one mail address, a local part without spaces, quotes or address punctuation and a domain
     * of host labels. Not a header's worth of text: a recipient with a line break in it would add headers to a mail.
     */
    private static final Pattern MAIL_ADDRESS = Pattern.compile(
            "[^\\s@<>()\\[\\],;:\"\\\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private AgentRules() {
    }

    /**
     * A suspension is a hold: deploying or rolling back would make a suspended agent active again, so only an admin
     * may do it, and only by saying so ({@code how}). An operator is refused with 403, an admin who did not say so
     * with 409; an agent that is not suspended needs nothing.
     */
    static void checkActivation(Agent agent, boolean admin, boolean liftSuspension, String how) {
        if (agent.status != AgentStatus.SUSPENDED) {
            return;
        }
        if (!admin) {
            throw ApiException.forbidden(liftSuspension
                    ? "The agent is suspended, and your role may not lift a suspension: only an admin can"
                    : "The agent is suspended: only an admin can lift a suspension, explicitly with " + how);
        }
        if (!liftSuspension) {
            throw ApiException.conflict("The agent is suspended: this would lift the suspension, which an admin does "
                    + "explicitly with " + how);
        }
    }

    /**
     * An agent of type {@code mcp_server} is an MCP server: seed 002's {@code type_filter=mcp_server} and its
     * {@code is_mcp_server} must not disagree. When the request leaves {@code is_mcp_server} out ({@code given} null),
     * it becomes true; a request that says false for such an agent is refused. Any other type may expose an MCP server
     * or not, as the request says.
     */
    public static McpIntegration mcpServer(AgentType type, McpIntegration mcp, Boolean given) {
        if (type != AgentType.MCP_SERVER || Boolean.TRUE.equals(mcp.isMcpServer())) {
            return mcp;
        }
        if (Boolean.FALSE.equals(given)) {
            throw ApiException.invalidField("mcp_integration.is_mcp_server", "must be true for an agent of type mcp_server");
        }
        return new McpIntegration(true, mcp.mcpServerUrl(), mcp.mcpCapabilities());
    }

    /** An agent's size as its events carry it: at most {@link #MAX_AGENT_BYTES}, else a 413 saying how large. */
    static void checkSize(Agent a) {
        int bytes = EventJson.utf8Length(EventJson.write(a.snapshot()));
        if (bytes > MAX_AGENT_BYTES) {
            throw new ApiException(413, "payload_too_large", "The agent would be " + bytes + " bytes as JSON, all its"
                    + " fields together; it may be at most " + MAX_AGENT_BYTES + ": make its lists, texts, metadata,"
                    + " mcp_integration or declared intent smaller", List.of());
        }
    }

    static void check(Agent a) {
        Checks c = new Checks()
                .required("name", a.name).maxLength("name", a.name, MAX_TEXT)
                .maxLength("description", a.description, MAX_DESCRIPTION)
                .required("runtime", a.runtime).maxLength("runtime", a.runtime, 64)
                .maxLength("image_uri", a.imageUri, MAX_URI)
                .check(a.imageUri == null || !a.imageUri.isBlank(), "image_uri", "must not be empty")
                .check(a.metadata == null || a.metadata.isObject(), "metadata", "must be an object")
                .check(a.metadata == null || a.metadata.toString().length() <= 16_384, "metadata", "must be at most 16 KiB")
                .maxLength("llm_provider", a.llmProvider, MAX_TEXT)
                .maxLength("llm_model", a.llmModel, MAX_TEXT)
                .maxLength("llm_system_prompt", a.llmSystemPrompt, MAX_SYSTEM_PROMPT);
        c.oneLine("name", a.name).oneLine("runtime", a.runtime).oneLine("llm_provider", a.llmProvider)
                .oneLine("llm_model", a.llmModel);
        // Stored, published on warden.agents.v1 and shown to viewers, as a deploy's config is: no secret in any
        // (a security trial stored a webhook URL with a password, a token in the system prompt, a password in metadata)
        c.text("description", a.description).text("llm_system_prompt", a.llmSystemPrompt)
                .json("metadata", a.metadata);
        image(c, "image_uri", a.imageUri);
        list(c, "tags", a.tags);
        risk(c, a.riskConfig);
        if (a.capabilities != null) {
            list(c, "capabilities.allowed_action_types", a.capabilities.allowedActionTypes());
            list(c, "capabilities.allowed_resources", a.capabilities.allowedResources());
            list(c, "capabilities.blocked_resources", a.capabilities.blockedResources());
        }
        if (a.mcpIntegration != null) {
            url(c, "mcp_integration.mcp_server_url", a.mcpIntegration.mcpServerUrl());
            checkObject(c, "mcp_integration.mcp_capabilities", a.mcpIntegration.mcpCapabilities());
            c.json("mcp_integration.mcp_capabilities", a.mcpIntegration.mcpCapabilities());
        }
        if (a.notifications != null) {
            url(c, "notifications.webhook_url", a.notifications.webhookUrl());
            list(c, "notifications.alert_recipients", a.notifications.alertRecipients());
            c.eachMatching("notifications.alert_recipients", a.notifications.alertRecipients(), MAIL_ADDRESS,
                    "must be a mail address such as security@example.com");
        }
        c.orThrow();
        checkSize(a);
    }

    /**
     * A container image reference as engines read it: an optional registry host (and port), a lowercase repository
     * path, an optional tag and an optional digest. Anything else could never run, and would fail only at run time.
     */
    private static final Pattern IMAGE = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?/)?"
                    + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
                    + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?");

    static void image(Checks c, String field, String value) {
        if (c.refused(field) || value != null && value.length() > MAX_URI) {
            return; // past its bound: the pattern recursed to a stack overflow on 2,500 characters of "a-a-..."
        }
        c.check(value == null || value.isBlank() || IMAGE.matcher(value).matches(), field,
                "must be a container image reference such as registry.example.com/team/agent:1.2 (a lowercase "
                        + "repository, an optional tag, an optional @sha256: digest)")
                // What container engines refuse to create (a deploy accepted one, and every run of it failed)
                .check(value == null || repository(value).length() <= MAX_REPOSITORY, field,
                        "names a repository longer than " + MAX_REPOSITORY + " characters, which container engines refuse");
    }

    /** The repository part of an image reference: without its digest and its tag. */
    private static String repository(String image) {
        String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int tag = name.lastIndexOf(':');
        return tag > name.lastIndexOf('/') ? name.substring(0, tag) : name;
    }

    static void checkObject(Checks c, String field, JsonNode value) {
        c.check(value == null || value.isNull() || value.isObject(), field, "must be an object");
    }

    private static void risk(Checks c, RiskConfig r) {
        if (r == null) {
            return;
        }
        c.range("risk_config.default_risk_score", r.defaultRiskScore(), 0, 100)
                .range("risk_config.auto_approve_below", r.autoApproveBelow(), 0, 100)
                .range("risk_config.max_risk_threshold", r.maxRiskThreshold(), 0, 100)
                .range("risk_config.requires_mfa_above", r.requiresMfaAbove(), 0, 100)
                .range("risk_config.autonomous_auto_approve_below", r.autonomousAutoApproveBelow(), 0, 100)
                .range("risk_config.autonomous_max_risk_threshold", r.autonomousMaxRiskThreshold(), 0, 100)
                .check(notAbove(r.autoApproveBelow(), r.maxRiskThreshold()), "risk_config.auto_approve_below",
                        "must not be above max_risk_threshold")
                .check(notAbove(r.autonomousAutoApproveBelow(), r.autonomousMaxRiskThreshold()),
                        "risk_config.autonomous_auto_approve_below", "must not be above autonomous_max_risk_threshold");
    }

    private static boolean notAbove(Integer low, Integer high) {
        return low == null || high == null || low <= high;
    }

    /** A list of names: at most {@link #MAX_LIST}, each a line of text of at most {@link #MAX_TEXT} characters. */
    static void list(Checks c, String field, List<String> values) {
        c.maxSize(field, values, MAX_LIST).noBlankEntries(field, values);
        if (values != null) {
            // Bounds first: a refused list is not read entry by entry (Checks.refused)
            c.check(values.stream().allMatch(v -> v == null || v.length() <= MAX_TEXT), field,
                    "entries must be at most " + MAX_TEXT + " characters");
        }
        c.eachOneLine(field, values);
    }

    /**
     * The agent's outbound URLs that point inside (OutboundUrls.internalTarget), by field; with {@code changed}, only
     * those of fields changed now, so an allow-list narrowed later does not block unrelated edits.
     */
    static Map<String, URI> internalUrls(Agent a, List<String> changed) {
        Map<String, URI> internal = new LinkedHashMap<>();
        if (a.mcpIntegration != null && (changed == null || changed.contains("mcp_integration"))) {
            internal(internal, "mcp_integration.mcp_server_url", a.mcpIntegration.mcpServerUrl());
        }
        if (a.notifications != null && (changed == null || changed.contains("notifications"))) {
            internal(internal, "notifications.webhook_url", a.notifications.webhookUrl());
        }
        return internal;
    }

    private static void internal(Map<String, URI> internal, String field, String url) {
        if (url != null && OutboundUrls.internalTarget(URI.create(url)) != null) {
            internal.put(field, URI.create(url));
        }
    }

    /** Each internal URL must be admitted by the organization's allow-list, else a 400 naming its field. */
    static void checkAdmitted(Map<String, URI> internal, List<String> allowList) {
        Checks c = new Checks();
        internal.forEach((field, uri) -> c.check(OutboundUrls.admitted(uri, allowList), field,
                "must not point inside: its host " + OutboundUrls.internalTarget(uri) + " (a platform administrator "
                        + "can admit it in the organization's outbound allow-list)"));
        c.orThrow();
    }

    private static void url(Checks c, String field, String value) {
        if (value == null) {
            return;
        }
        boolean ok;
        try {
            URI uri = URI.create(value);
            ok = ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && (uri.getPort() == -1 || uri.getPort() >= 1 && uri.getPort() <= 65535) && value.length() <= MAX_URI;
        } catch (IllegalArgumentException e) {
            ok = false;
        }
        // One line without a secret (no password, no ?api_key=): it is stored and shown, and java.net.URI takes
        // direction overrides and invisible characters in a path, query or fragment
        c.check(ok, field, "must be an http or https URL (lower-case scheme, a host, a port from 1 to 65535)")
                .oneLine(field, value);
    }
}
