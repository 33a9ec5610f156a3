package dev.warden.agent.registration;

import dev.warden.agent.registration.RegistrationWire.ChallengeRequest;
import dev.warden.agent.registration.RegistrationWire.ChallengeResponse;
import dev.warden.agent.registration.RegistrationWire.RegisterRequest;
import dev.warden.agent.registration.RegistrationWire.RegisterResponse;
import dev.warden.api.ApiException;
import dev.warden.api.Checks;
import dev.warden.api.ClientAddresses;
import dev.warden.api.WardenApiDefinition;
import dev.warden.events.agent.AgentType;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.UUID;

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
    private static final String OPEN_ORG = "Without a credential only: the name or id of an organization with open "
            + "registration (beyond the seed)";

    private final RegistrationService registrations;
    private final OpenRegistration open;
    private final CurrentIdentityAssociation identities;
    private final ClientAddresses addresses;

    public AgentRegistrationResource(RegistrationService registrations, OpenRegistration open,
                                     CurrentIdentityAssociation identities, ClientAddresses addresses) {
        this.registrations = registrations;
        this.addresses = addresses;
        this.open = open;
        this.identities = identities;
    }

    /** Who registers, in which organization. */
    private record Registrant(UUID org, String name) {
    }

    /**
     * A credential (operator or higher) registers in its own organization; without one, {@code org} must name an
     * organization with open registration, and the source address must be within its rate (see {@link OpenRegistration}).
     */
    private Uni<Registrant> registrant(String org, HttpServerRequest http) {
        // The endpoints admit anyone, so the identity is resolved here, without blocking the event loop.
        return identities.getDeferredIdentity().chain(identity -> {
            if (!identity.isAnonymous()) {
                CurrentActor actor = new CurrentActor(identity);
                if (!actor.has(Roles.OPERATOR)) {
                    throw ApiException.forbidden("Registering an agent needs the operator role or higher");
                }
                if (org != null) {
                    throw ApiException.invalidField("org", "is for registration without a credential; a credential "
                            + "registers in its own organization");
                }
                return Uni.createFrom().item(new Registrant(actor.org(), actor.name()));
            }
            String address = addresses.of(http);
            return open.organization(org, address).map(id -> new Registrant(id, "open-registration:" + address));
        });
    }

    @POST
    @Path("/challenge")
    @PermitAll
    @Operation(operationId = "createRegistrationChallenge", summary = "Get a challenge to sign",
            description = "32 random bytes, base64url, for this key only, usable once within five minutes. Needs an "
                    + "operator credential, or (beyond the seed) none with ?org= for an organization with open registration.")
    @APIResponse(responseCode = "200", description = "The challenge",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ChallengeResponse.class)))
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    public Uni<ChallengeResponse> challenge(ChallengeRequest request, @Parameter(description = OPEN_ORG) @QueryParam("org") String org,
                                            @Context HttpServerRequest http) {
        return registrant(org, http).chain(who -> registrations.challenge(who.org(), key(Checks.body(request).publicKey())));
    }

    @POST
    @PermitAll
    @Operation(operationId = "registerAgent", summary = "Register an agent with proof of its key",
            description = "The signature must be the key's Ed25519 signature of a challenge issued for it: else 401. "
                    + "A key already registered or pending in the organization: 409.")
    @APIResponse(responseCode = "201", description = "Registered; awaiting an admin's approval, or approved by a rule (status)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RegisterResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    public Uni<RestResponse<RegisterResponse>> register(RegisterRequest request,
                                                        @Parameter(description = OPEN_ORG) @QueryParam("org") String org,
                                                        @Context HttpServerRequest http) {
        return registrant(org, http).chain(who -> register(who, request));
    }

    private Uni<RestResponse<RegisterResponse>> register(Registrant who, RegisterRequest request) {
        RegisterRequest req = Checks.body(request);
        Checks checks = new Checks()
                .required("name", req.name()).maxLength("name", req.name(), MAX_NAME).oneLine("name", req.name())
                .required("version", req.version()).maxLength("version", req.version(), MAX_VERSION)
                .oneLine("version", req.version())
                .required("publicKey", req.publicKey())
                .required("challenge", req.challenge())
                .required("signature", req.signature());
        RegistrationChecks.capabilities(checks, "capabilities", req.capabilities(), registrations.knownCapabilities());
        checks.check(req.publicKey() == null || DidKey.parse(req.publicKey()).isPresent(), "publicKey",
                DidKey.EXPECTED);
        AgentType agentType = RegistrationChecks.agentType(checks, "agentType", req.agentType());
        checks.orThrow();
        return registrations.register(who.org(), who.name(), DidKey.parse(req.publicKey()).orElseThrow(), req, agentType)
                .map(answer -> RestResponse.ResponseBuilder.<RegisterResponse>create(RestResponse.Status.CREATED)
                        .entity(answer).build());
    }

    static DidKey key(String publicKey) {
        new Checks().required("publicKey", publicKey).orThrow();
        return DidKey.parse(publicKey).orElseThrow(() -> ApiException.invalidField("publicKey",
                DidKey.EXPECTED));
    }
}
