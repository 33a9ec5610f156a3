package dev.warden.registry.directory;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.StorableValues;
import dev.warden.registry.RegistryAgentRow;
import dev.warden.registry.directory.DirectoryRepository.Filter;
import dev.warden.registry.directory.DirectoryRepository.Found;
import dev.warden.registry.directory.DirectoryWire.DirectoryAgent;
import dev.warden.registry.directory.DirectoryWire.DirectoryAgentDetail;
import dev.warden.registry.directory.DirectoryWire.DirectoryListResponse;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.Arrays;
import java.util.List;

/** Seed 004's agent directory: camelCase, page numbers, the online count of the filtered set. */
@Path("/v1/directory/agents")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Directory", description = "Seed 004's agent directory")
public class DirectoryResource {

    private final DirectoryService directory;
    private final CurrentActor actor;

    public DirectoryResource(DirectoryService directory, CurrentActor actor) {
        this.directory = directory;
        this.actor = actor;
    }

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.AUDITOR})
    @Operation(operationId = "listDirectoryAgents", summary = "List agents (seed 004)")
    public Uni<DirectoryListResponse> list(
            @Parameter(description = "Part of the name or the DID") @QueryParam("q") String q,
            @Parameter(schema = @Schema(type = SchemaType.BOOLEAN)) @QueryParam("online") String online,
            @Parameter(description = "A realm's id or slug") @QueryParam("realm") String realm,
            @Parameter(description = "Comma-separated; agents granted all of them") @QueryParam("capabilities") String capabilities,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000000", defaultValue = "1")) @QueryParam("page") String page,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500", defaultValue = "20"))
            @QueryParam("pageSize") String pageSize,
            @Parameter(schema = @Schema(enumeration = {"name", "registeredAt", "lastSeen"})) @QueryParam("sortBy") String sortBy,
            @Parameter(schema = @Schema(enumeration = {"asc", "desc"})) @QueryParam("sortDir") String sortDir,
            @Parameter(description = "Beyond seed 004: only agents whose entry (snapshot or counts) changed at or after "
                    + "this time (ISO-8601)", schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("updated_since") String updatedSince,
            @Parameter(description = "Beyond seed 004: the nextCursor of the previous page; a cursor follows the "
                    + "registration order (sortBy=registeredAt, ascending) and starts at page 1")
            @QueryParam("cursor") String cursor) {
        // An empty one (?sortBy=) is no choice, as for every query parameter (Params)
        sortBy = Params.optionalChoice("sortBy", sortBy, List.of("name", "registeredAt", "lastSeen"));
        sortDir = Params.optionalChoice("sortDir", sortDir, List.of("asc", "desc"));
        int number = Params.integer("page", page, 1, 1, 1_000_000);
        int size = Params.integer("pageSize", pageSize, 20, 1, 500);
        PageRequest.Cursor after = PageRequest.Cursor.decode(cursor);
        boolean ascending = !"desc".equals(sortDir);
        boolean registrationOrder = "registeredAt".equals(sortBy) && ascending;
        if (after != null && (sortBy != null && !registrationOrder || !ascending || number != 1)) {
            throw ApiException.invalidField("cursor", "follows the registration order from page 1: give it without "
                    + "page, with sortBy registeredAt or none, ascending");
        }
        Filter filter = new Filter(Params.optionalText("q", q, 200), Params.optionalBoolean("online", online),
                Params.optionalText("realm", realm, 200), capabilities(capabilities),
                Params.optionalSince("updated_since", updatedSince));
        boolean cursorWalk = after != null || registrationOrder;
        return directory.list(actor.org(), filter, sortBy == null ? "name" : sortBy, !ascending, after, size,
                (long) (number - 1) * size).map(listed -> {
                    long total = listed.counts().total();
                    return new DirectoryListResponse(listed.page().items().stream().map(DirectoryResource::item).toList(),
                            total, number, size, (total + size - 1) / size, listed.counts().online(),
                            cursorWalk ? listed.page().nextCursor(f -> PageRequest.Cursor.at(f.agent().createdAt(),
                                    f.agent().agentId())) : null);
                });
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.VIEWER, Roles.AUDITOR})
    @Operation(operationId = "getDirectoryAgent", summary = "Get an agent by DID or id (seed 004)",
            description = "Unknown, or another organization's: 404.")
    public Uni<DirectoryAgentDetail> get(@PathParam("id") String id) {
        if (id.length() > 200 || StorableValues.refusal(id) != null) {
            throw ApiException.notFound("Agent"); // no agent has such an id
        }
        return directory.find(actor.org(), id).map(found -> {
            RegistryAgentRow a = found.agent();
            return new DirectoryAgentDetail(seedId(a), a.name(), a.grantedCapabilities(), a.llmProvider(), a.llmModel(),
                    a.llmSystemPrompt(), a.online(), a.createdAt(), a.lastSeen(), a.publicKey(), found.realm(), a.rawStatus());
        });
    }

    private static DirectoryAgent item(Found found) {
        RegistryAgentRow a = found.agent();
        return new DirectoryAgent(seedId(a), a.name(), a.grantedCapabilities(), a.llmProvider(), a.llmModel(), a.online(),
                a.createdAt(), a.lastSeen(), found.realm(), a.rawStatus());
    }

    private static String seedId(RegistryAgentRow a) {
        return a.did() != null ? a.did() : a.agentId().toString();
    }

    private static List<String> capabilities(String raw) {
        String text = Params.optionalText("capabilities", raw, 2000);
        if (text == null) {
            return null;
        }
        List<String> names = Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty()) {
            throw ApiException.invalidField("capabilities", "must name at least one capability");
        }
        return names;
    }
}
