package dev.warden.agent.registration;

import dev.warden.agent.registration.RegistrationWire.ApproveRequest;
import dev.warden.agent.registration.RegistrationWire.ApproveResponse;
import dev.warden.agent.registration.RegistrationWire.CreateRuleRequest;
import dev.warden.agent.registration.RegistrationWire.DecisionsRequest;
import dev.warden.agent.registration.RegistrationWire.DecisionsResponse;
import dev.warden.agent.registration.RegistrationWire.RegistrationSettings;
import dev.warden.agent.registration.RegistrationWire.RegistrationSettingsRequest;
import dev.warden.agent.registration.RegistrationWire.RuleListResponse;
import dev.warden.agent.registration.RegistrationWire.RuleResponse;
import dev.warden.agent.registration.RegistrationWire.RegistrationListResponse;
import dev.warden.agent.registration.RegistrationWire.RejectRequest;
import dev.warden.agent.registration.RegistrationWire.SuccessResponse;
import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import dev.warden.events.agent.AgentType;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;

/** Seed 004's registration approval: an org admin lists pending registrations and decides each once. */
@Path("/v1/registrations")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Registrations")
public class RegistrationResource {

    private static final int MAX_REASON = 2000;
    private static final int MAX_BULK = 100;
    private static final int MAX_RULE_NAME = 200;

    private final RegistrationService registrations;
    private final RegistrationRuleService rules;
    private final CurrentActor actor;

    public RegistrationResource(RegistrationService registrations, RegistrationRuleService rules, CurrentActor actor) {
        this.registrations = registrations;
        this.rules = rules;
        this.actor = actor;
    }

    @GET
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "listRegistrations", summary = "List pending registrations",
            description = "Oldest first, at most 1,000, with the capabilities the organization may grant.")
    public Uni<RegistrationListResponse> list(
            @Parameter(description = "Beyond seed 004: at most this many (1 to 1000)",
                    schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000", defaultValue = "1000"))
            @QueryParam("limit") String limit,
            @Parameter(description = "Beyond seed 004: the nextCursor of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(description = "Beyond seed 004: only registrations asked for at or after this time (ISO-8601)",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("updated_since") String updatedSince) {
        return registrations.pending(actor.org(), new PageRequest(
                Params.integer("limit", limit, RegistrationRepository.LIST_BOUND, 1, RegistrationRepository.LIST_BOUND),
                PageRequest.Cursor.decode(cursor), Params.optionalSince("updated_since", updatedSince)));
    }

    @POST
    @Path("/{registration_id}/approve")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "approveRegistration", summary = "Approve a registration",
            description = "Grants a subset of the requested capabilities (anything else: 400) and creates the agent, "
                    + "inactive, with its DID. A registration is decided once: 409 after that.")
    @APIResponse(responseCode = "200", description = "Approved; agentId is the new agent's DID",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApproveResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<ApproveResponse> approve(@PathParam("registration_id") String id, ApproveRequest request) {
        ApproveRequest req = Checks.body(request);
        new Checks().required("capabilities", req.capabilities())
                .noBlankEntries("capabilities", req.capabilities())
                .distinct("capabilities", req.capabilities(), "a capability")
                .orThrow();
        return registrations.approve(actor.org(), actor.name(), Params.uuid("registration_id", id), req.capabilities(),
                req.realm());
    }

    @POST
    @Path("/{registration_id}/reject")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "rejectRegistration", summary = "Reject a registration",
            description = "Needs a non-empty reason. A registration is decided once: 409 after that.")
    @APIResponse(responseCode = "200", description = "Rejected",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SuccessResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<SuccessResponse> reject(@PathParam("registration_id") String id, RejectRequest request) {
        RejectRequest req = Checks.body(request);
        new Checks().required("reason", req.reason()).maxLength("reason", req.reason(), MAX_REASON).text("reason", req.reason()).orThrow();
        return registrations.reject(actor.org(), actor.name(), Params.uuid("registration_id", id), req.reason());
    }

    @POST
    @Path("/decisions")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "decideRegistrations", summary = "Approve or reject several registrations",
            description = "Beyond the seed. Each id is decided in its own transaction, in the order given; one that cannot "
                    + "be decided (unknown, decided already, expired, a capability outside its request) is reported in its "
                    + "result with the status and error it would have had alone, and the others go on.")
    public Uni<DecisionsResponse> decide(DecisionsRequest request) {
        DecisionsRequest req = Checks.body(request);
        Checks checks = new Checks().required("decision", req.decision())
                .check(req.decision() == null || "approve".equals(req.decision()) || "reject".equals(req.decision()),
                        "decision", "must be approve or reject")
                .required("ids", req.ids())
                .check(req.ids() == null || !req.ids().isEmpty(), "ids", "must name at least one registration")
                .maxSize("ids", req.ids(), MAX_BULK)
                .check(req.ids() == null || req.ids().stream().noneMatch(java.util.Objects::isNull), "ids", "must not hold null")
                .distinct("ids", req.ids(), "an id")
                .noBlankEntries("capabilities", req.capabilities())
                .distinct("capabilities", req.capabilities(), "a capability");
        if ("reject".equals(req.decision())) {
            checks.required("reason", req.reason()).maxLength("reason", req.reason(), MAX_REASON).text("reason", req.reason())
                    .check(req.capabilities() == null, "capabilities", "only an approval grants capabilities")
                    .check(req.realm() == null, "realm", "only an approval assigns a realm");
        } else {
            checks.check(req.reason() == null, "reason", "only a rejection has a reason");
        }
        checks.orThrow();
        return registrations.decideAll(actor.org(), actor.name(), req);
    }

    @GET
    @Path("/settings")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "getRegistrationSettings", summary = "Whether agents may register without a credential",
            description = "Beyond the seed.")
    public Uni<RegistrationSettings> settings() {
        return registrations.settings(actor.org());
    }

    @PUT
    @Path("/settings")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "setRegistrationSettings", summary = "Turn registration without a credential on or off",
            description = "Beyond the seed. When on, POST /v1/agents/register/challenge and POST /v1/agents/register take "
                    + "?org=<organization name or id> and no credential, at most openRatePerMinute calls a minute from one "
                    + "source address (then 429 with Retry-After). Registrations still wait for a decision (or a rule).")
    public Uni<RegistrationSettings> setSettings(RegistrationSettingsRequest request) {
        RegistrationSettingsRequest req = Checks.body(request);
        Checks checks = new Checks();
        checks.check(req.openRegistration() != null || req.availableCapabilities() != null, "openRegistration",
                "give openRegistration, availableCapabilities or both");
        if (req.availableCapabilities() != null) {
            RegistrationChecks.capabilities(checks, "availableCapabilities", req.availableCapabilities(),
                    registrations.knownCapabilities());
        }
        checks.orThrow();
        return registrations.setSettings(actor.org(), actor.name(), req.openRegistration(), req.availableCapabilities());
    }

    @GET
    @Path("/rules")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "listRegistrationRules", summary = "List auto-approval rules",
            description = "Beyond the seed. Oldest first, the order in which a new registration is checked against them.")
    public Uni<RuleListResponse> rules(
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500", defaultValue = "100"))
            @QueryParam("limit") String limit,
            @Parameter(description = "The nextCursor of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(description = "Only rules created at or after this time (ISO-8601); a rule never changes",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("updated_since") String updatedSince) {
        return rules.list(actor.org(), PageRequest.parse(limit, cursor, updatedSince));
    }

    @POST
    @Path("/rules")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "createRegistrationRule", summary = "Create an auto-approval rule",
            description = "Beyond the seed. A registration whose requested capabilities are all within the rule's, whose "
                    + "agentType is the rule's (when set) and whose risk score is at most maxRiskScore (when set) is "
                    + "approved at once, granted what it requested; the decision names the rule. At most 100 rules.")
    @APIResponse(responseCode = "201", description = "Created; Location names the rule",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RuleResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<RestResponse<RuleResponse>> createRule(CreateRuleRequest request) {
        CreateRuleRequest req = Checks.body(request);
        Checks checks = new Checks()
                .required("name", req.name()).maxLength("name", req.name(), MAX_RULE_NAME).oneLine("name", req.name())
                .range("maxRiskScore", req.maxRiskScore(), 0, 100)
                // A rule decides only a request for capabilities it names, never one for none: one naming none would
                // decide nothing (a user trial's was taken)
                .check(req.capabilities() == null || !req.capabilities().isEmpty(), "capabilities",
                        "must name at least one capability: a rule approves requests for the capabilities it names");
        RegistrationChecks.capabilities(checks, "capabilities", req.capabilities(), registrations.knownCapabilities());
        AgentType agentType = RegistrationChecks.agentType(checks, "agentType", req.agentType());
        checks.orThrow();
        return rules.create(actor.org(), actor.name(), req, agentType)
                .map(rule -> RestResponse.ResponseBuilder.<RuleResponse>created(
                        URI.create("/v1/registrations/rules/" + rule.id())).entity(rule).build());
    }

    @GET
    @Path("/rules/{rule_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "getRegistrationRule", summary = "Get an auto-approval rule", description = "Beyond the seed.")
    public Uni<RuleResponse> rule(@PathParam("rule_id") String id) {
        return rules.get(actor.org(), Params.uuid("rule_id", id));
    }

    @DELETE
    @Path("/rules/{rule_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "deleteRegistrationRule", summary = "Delete an auto-approval rule",
            description = "Beyond the seed. Registrations it approved stay approved.")
    @APIResponse(responseCode = "204", description = "Deleted")
    public Uni<RestResponse<Void>> deleteRule(@PathParam("rule_id") String id) {
        return rules.delete(actor.org(), actor.name(), Params.uuid("rule_id", id)).map(done -> RestResponse.noContent());
    }
}
