package dev.warden.registry.overview;

import dev.warden.api.OpenStreams;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.registry.overview.RegistryWire.RegistryResponse;
import dev.warden.tenancy.security.CredentialWatch;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import dev.warden.registry.overview.RegistryWire.Summary;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import io.smallrye.common.annotation.Blocking;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.util.List;
import java.util.UUID;

/** Seed 000's CISO view: every agent with its counts, and the organization's summary. */
@Path("/v1/registry")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Registry", description = "The CISO view of every agent (seed 000), built from events only")
public class RegistryResource {

    private static final int MAX_LIMIT = 1000;
    private static final List<String> STATUSES = List.of("active", "inactive", "suspended", "error");

    private final RegistryService registry;
    private final CurrentActor actor;
    private final CredentialWatch credentials;
    private final OpenStreams streams;

    public RegistryResource(RegistryService registry, CurrentActor actor, CredentialWatch credentials, OpenStreams streams) {
        this.streams = streams;
        this.registry = registry;
        this.actor = actor;
        this.credentials = credentials;
    }

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.AUDITOR})
    @Operation(operationId = "getRegistry", summary = "Every agent with its counts, and the organization's summary",
            description = "Seed 000. The summary is organization-wide whatever the filter. error: an active agent whose "
                    + "last execution failed, or whose fleet instances are all offline.")
    @APIResponse(responseCode = "200", description = "The agents and the summary",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RegistryResponse.class)))
    public Uni<Response> registry(
            @Parameter(schema = @Schema(enumeration = {"active", "inactive", "suspended", "error"}))
            @QueryParam("status") String status,
            @Parameter(description = "Beyond seed 000: page the agents (1 to 1000); without it, all are listed",
                    schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000"))
            @QueryParam("limit") String limit,
            @Parameter(description = "Beyond seed 000: the next_cursor of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(description = "Beyond seed 000: only agents whose entry (snapshot or counts) changed at or after "
                    + "this time (ISO-8601); total counts them, the summary stays organization-wide",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("updated_since") String updatedSince) {
        int size = PageRequest.wholeLimit(limit, MAX_LIMIT);
        // An empty filter (?status=) is no filter, as for every query parameter (Params)
        return registry.registryJson(actor.org(), Params.optionalChoice("status", status, STATUSES),
                        Params.optionalSince("updated_since", updatedSince), size,
                        PageRequest.Cursor.decode(cursor))
                .map(json -> Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build());
    }

    /**
     * Server-Sent Events of the organization's summary: the current one at once, then one after each half second in
     * which the registry changed. Outside the OpenAPI document, like every endless stream (a stream is no request and
     * answer for the fuzz and contract tests); described in docs/registry-service.md.
     */
    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.VIEWER, Roles.AUDITOR})
    @Operation(hidden = true)
    @Blocking
    public Multi<Summary> stream() {
        UUID org = actor.org();
        Summary now = OpenStreams.readBeforeItBegins(registry.summary(org));
        return credentials.whileUsable(streams.bounded(org, registry.summaries(org, now)));
    }
}
