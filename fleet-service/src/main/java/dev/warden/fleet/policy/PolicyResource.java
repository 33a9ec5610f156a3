package dev.warden.fleet.policy;

import dev.warden.api.PageRequest;
import dev.warden.api.WardenApiDefinition;
import dev.warden.fleet.enrollment.FleetIdentity;
import dev.warden.fleet.instance.InstanceWire;
import dev.warden.fleet.policy.PolicyWire.InstancePolicies;
import dev.warden.fleet.policy.PolicyWire.InstancePoliciesEnvelope;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.UUID;

/**
 * What seed 003's pendingPolicies tells an instance to fetch: {@code GET /v1/fleet/agents/{id}/policies}, its agent's
 * policies with their rules, at the policy version its heartbeats answer.
 */
@Path("/v1/fleet/agents") // the instances' own class path: another method here is a 405, not a 404
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Fleet")
public class PolicyResource {

    private final PolicyService service;
    private final CurrentActor actor;
    private final SecurityIdentity identity;

    public PolicyResource(PolicyService service, CurrentActor actor, SecurityIdentity identity) {
        this.service = service;
        this.actor = actor;
        this.identity = identity;
    }

    @GET
    @Path("/{id}/policies")
    @RolesAllowed({Roles.VIEWER, Roles.INSTANCE})
    @Extension(name = WardenApiDefinition.BEARER_ONLY_ROLES, value = Roles.INSTANCE) // an instance API key: 403
    @Operation(operationId = "fetchFleetInstancePolicies", summary = "Fetch an instance's policies",
            description = "The policies that govern the instance's agent, with their rules, at the agent's policy "
                    + "version (policyVersion, as its heartbeats answer it). With the instance's own credential "
                    + "(Authorization: Bearer wfi_...), for itself only, the fetch (a GET, not a HEAD) counts as the "
                    + "instance applying that version: its next heartbeats answer pendingPolicies from it, whether or "
                    + "not they report active_policy_version. A viewer's read changes nothing. The policies come by "
                    + "id, a page of up to 8 MB of rules at a time: nextCursor names the next page, and all pages of a "
                    + "fetch are of one policyVersion (a change between them is a 409: start again); the last page is "
                    + "the one that counts.")
    @APIResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = InstancePoliciesEnvelope.class)))
    @APIResponse(responseCode = "404", ref = WardenApiDefinition.NOT_FOUND)
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<InstancePoliciesEnvelope> fetch(@PathParam("id") @Parameter(schema = @Schema(pattern = "^agent-[0-9a-f]{16}$")) String id,
                                               @QueryParam("cursor") @Parameter(description = "The nextCursor of the "
                                                       + "page before") String cursor,
                                               @Context HttpServerRequest http) {
        UUID org = actor.org();
        String own = FleetIdentity.requireItselfOr(identity, Roles.VIEWER, id,
                "An instance's policies are fetched with its own credential (Bearer wfi_...) or a viewer's");
        PageRequest.Cursor after = PageRequest.Cursor.decode(cursor);
        if (after != null) {
            after.version(); // a number's cursor, as this answers: a time's is a 400 naming it
        }
        // A HEAD's answer has no policies in it: only a GET's counts as the instance having them (a user trial's HEAD
        // did, and the next heartbeat said nothing was pending)
        boolean byTheInstance = own != null && http.method() == HttpMethod.GET;
        return service.fetch(org, id, byTheInstance, after).map(found -> new InstancePoliciesEnvelope(true, new InstancePolicies(
                id, found.agentId(), InstanceWire.policyVersion(found.version()), found.policies(),
                found.more() ? new PageRequest.Cursor(found.version(), found.policies().getLast().id()).encode() : null)));
    }
}
