package dev.warden.agent.registration;

import dev.warden.agent.registration.RegistrationWire.ChallengeRequest;
import dev.warden.agent.registration.RegistrationWire.ChallengeResponse;
import dev.warden.agent.registration.RegistrationWire.RegisterRequest;
import dev.warden.agent.registration.RegistrationWire.RegisterResponse;
import dev.warden.api.ApiException;
import dev.warden.api.Checks;
import dev.warden.api.WardenApiDefinition;
import dev.warden.events.agent.AgentType;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * Seed 004's self-registration, under the literal path {@code /v1/agents/register}: JAX-RS prefers a literal
 * segment to {@code /v1/agents/{agent_id}}, and agent ids are UUIDs anyway.
 */
@Path("/v1/agents/register")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Registrations", description = "Agents register their Ed25519 key and wait for an admin's approval (seed 004)")
public class AgentRegistrationResource {

    private static final int MAX_NAME = 200;
    private static final int MAX_VERSION = 64;

    private final RegistrationService registrations;
    private final CurrentActor actor;

    public AgentRegistrationResource(RegistrationService registrations, CurrentActor actor) {
        this.registrations = registrations;
        this.actor = actor;
    }

    @POST
    @Path("/challenge")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(operationId = "createRegistrationChallenge", summary = "Get a challenge to sign",
            description = "32 random bytes, base64url, for this key only, usable once within five minutes.")
    public Uni<ChallengeResponse> challenge(ChallengeRequest request) {
        DidKey key = key(Checks.body(request).publicKey());
        return registrations.challenge(actor.org(), key);
    }

    @POST
    @RolesAllowed(Roles.OPERATOR)
    @Operation(operationId = "registerAgent", summary = "Register an agent with proof of its key",
            description = "The signature must be the key's Ed25519 signature of a challenge issued for it: else 401. "
                    + "A key already registered or pending in the organization: 409.")
    @APIResponse(responseCode = "201", description = "Registered; awaiting an admin's approval, or approved by a rule (status)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RegisterResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<RestResponse<RegisterResponse>> register(RegisterRequest request) {
        RegisterRequest req = Checks.body(request);
        Checks checks = new Checks()
                .required("name", req.name()).maxLength("name", req.name(), MAX_NAME)
                .required("version", req.version()).maxLength("version", req.version(), MAX_VERSION)
                .required("capabilities", req.capabilities())
                .noBlankEntries("capabilities", req.capabilities())
                .required("publicKey", req.publicKey())
                .required("challenge", req.challenge())
                .required("signature", req.signature());
        if (req.capabilities() != null) {
            for (String capability : req.capabilities()) {
                checks.check(capability == null || capability.isBlank()
                        || registrations.availableCapabilities().contains(capability), "capabilities",
                        "unknown capability " + abbreviated(capability) + "; known: " + registrations.availableCapabilities());
            }
            checks.check(req.capabilities().stream().distinct().count() == req.capabilities().size(), "capabilities",
                    "must not repeat a capability");
        }
        checks.check(req.publicKey() == null || DidKey.parse(req.publicKey()).isPresent(), "publicKey",
                "must be an Ed25519 did:key in multibase form (z6Mk...)");
        AgentType agentType = agentType(checks, "agentType", req.agentType());
        checks.orThrow();
        return registrations.register(actor.org(), actor.name(), DidKey.parse(req.publicKey()).orElseThrow(), req, agentType)
                .map(answer -> RestResponse.ResponseBuilder.<RegisterResponse>create(RestResponse.Status.CREATED)
                        .entity(answer).build());
    }

    static DidKey key(String publicKey) {
        new Checks().required("publicKey", publicKey).orThrow();
        return DidKey.parse(publicKey).orElseThrow(() -> ApiException.invalidField("publicKey",
                "must be an Ed25519 did:key in multibase form (z6Mk...)"));
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

    static String abbreviated(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
