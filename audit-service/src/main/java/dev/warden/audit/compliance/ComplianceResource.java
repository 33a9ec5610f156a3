package dev.warden.audit.compliance;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.warden.api.ApiException;
import dev.warden.api.Checks;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.events.EventJson;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

@Path("/v1/compliance")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Compliance", description = "Signed evidence packages for an agent over a time range")
public class ComplianceResource {

    private static final Duration MAX_RANGE = Duration.ofDays(400);
    /** How far ahead of this clock a caller's may be: a reported action's {@code occurred_at} is allowed as much. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final String ZIP = "application/zip";

    private final ComplianceBuilder builder;
    private final CurrentActor actor;

    public ComplianceResource(ComplianceBuilder builder, CurrentActor actor) {
        this.builder = builder;
        this.actor = actor;
    }

    @POST
    @RolesAllowed(Roles.AUDITOR)
    @APIResponse(responseCode = "404", ref = WardenApiDefinition.NOT_FOUND)
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    @Operation(operationId = "createCompliancePackage", summary = "Build a compliance package", description = "Answers 202 "
            + "at once; poll the package for progress. An organization has at most two packages building at once, and an "
            + "instance two: beyond, a 429 with Retry-After. A package holds at most 30,000 entries, the agent's in the "
            + "range and its chain proof's together; a longer one fails, saying to ask for shorter ranges. to may not be in "
            + "the future. Agents report actions up to 24 hours late (the report window): a package of a range that ends "
            + "less than that before it is built holds what was recorded when it was built (its chain proof's "
            + "to_sequence), and one built after the window has passed holds every action of the range.")
    @APIResponse(responseCode = "202", description = "Accepted; Location names the package",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PackageResponse.class)))
    public Uni<RestResponse<PackageResponse>> create(CreatePackageRequest request) {
        CreatePackageRequest body = Checks.body(request);
        Checks checks = new Checks().required("agent_id", body.agentId()).maxLength("agent_id", body.agentId(), 200)
                .required("from", body.from()).required("to", body.to());
        if (body.from() != null && body.to() != null) {
            checks.check(body.from().isBefore(body.to()), "to", "must be after from")
                    .check(Duration.between(body.from(), body.to()).compareTo(MAX_RANGE) <= 0, "to",
                            "the range may span at most " + MAX_RANGE.toDays() + " days")
                    // A period still to come would be signed with nothing in it, and signed again, differently, later
                    .check(!body.to().isAfter(Instant.now().plus(CLOCK_SKEW)), "to", "must not be in the future");
        }
        checks.orThrow();
        return builder.request(actor.org(), actor.name(), body.agentId(), body.from(), body.to())
                .map(pkg -> RestResponse.ResponseBuilder.<PackageResponse>create(202)
                        .location(URI.create("/v1/compliance/" + pkg.id())).entity(pkg).build());
    }

    @GET
    @Path("/{package_id}")
    @Produces({MediaType.APPLICATION_JSON, ZIP})
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "getCompliancePackage", summary = "Get a compliance package", description = "As JSON, or "
            + "with format=zip (or without format, when Accept takes application/zip and not JSON) as a ZIP holding the "
            + "signed content, its signature and the public key. A generated client downloads the ZIP with "
            + "downloadCompliancePackage. A ready package's content is sent to at most two requests at once per "
            + "instance, one per organization: beyond, a 429 with Retry-After.")
    @APIResponse(responseCode = "200", description = "The package; with format=zip the ZIP download",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PackageResponse.class)),
                    @Content(mediaType = ZIP, schema = @Schema(type = SchemaType.STRING, format = "binary"))})
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    public Uni<Response> get(@PathParam("package_id") String packageId, @Parameter(description = "json (the default) or zip", schema = @Schema(type = SchemaType.STRING, enumeration = {"json", "zip"}))
                             @QueryParam("format") String format, @Context HttpHeaders headers, @Context RoutingContext http) {
        UUID id = Params.uuid("package_id", packageId);
        String chosen = Params.optionalChoice("format", format, List.of("json", "zip"));
        boolean zipped = chosen != null ? chosen.equals("zip") : zipOnly(headers.getAcceptableMediaTypes());
        return builder.answer(actor.org(), id, zipped).map(answer -> {
            releasedWhenSent(http, answer);
            return zipped ? download(id, answer.pkg()) : Response.ok(answer.pkg(), MediaType.APPLICATION_JSON_TYPE).build();
        });
    }

    /** The answer slot a ready package holds is given back once its answer is sent, or its caller gone. */
    private static void releasedWhenSent(RoutingContext http, ComplianceBuilder.Answer answer) {
        if (answer.held() != null) {
            http.addEndHandler(ended -> answer.held().answered());
        }
    }

    /**
     * The ZIP as an operation of its own: a client generated from the document reads {@link #get}'s answer as JSON
     * (its first type), so its ZIP could not be had from one (Python's failed decoding it as text). Whatever the
     * request's Accept (a generated client asks for JSON, its errors' type), the answer is the ZIP or an error.
     */
    @GET
    @Path("/{package_id}/zip")
    @Produces({ZIP, MediaType.APPLICATION_JSON})
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "downloadCompliancePackage", summary = "Download a compliance package as a ZIP",
            description = "The signed content (package.json, byte for byte what was signed), its Ed25519 signature "
                    + "(package.sig), the public key and a README saying how to verify them. 409 until the package is ready.")
    @APIResponse(responseCode = "200", description = "The ZIP",
            content = @Content(mediaType = ZIP, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    public Uni<Response> downloadZip(@PathParam("package_id") String packageId, @Context RoutingContext http) {
        UUID id = Params.uuid("package_id", packageId);
        return builder.answer(actor.org(), id, true).map(answer -> {
            releasedWhenSent(http, answer);
            return download(id, answer.pkg());
        });
    }

    private static Response download(UUID id, PackageResponse pkg) {
        if (!"ready".equals(pkg.status())) {
            throw ApiException.conflict("The package is " + pkg.status() + " (" + pkg.progress() + "%)");
        }
        return Response.ok(zip(pkg), ZIP)
                .header("Content-Disposition", "attachment; filename=\"compliance-" + id + ".zip\"").build();
    }

    /** Whether the caller takes the ZIP and not JSON (a client that picks a response's media type by Accept alone). */
    private static boolean zipOnly(List<MediaType> acceptable) {
        MediaType zip = MediaType.valueOf(ZIP);
        return acceptable.stream().anyMatch(type -> !type.isWildcardType() && type.isCompatible(zip))
                && acceptable.stream().noneMatch(type -> type.isCompatible(MediaType.APPLICATION_JSON_TYPE));
    }

    /** package.json is the exact signed byte sequence (canonical JSON); package.sig its Ed25519 signature. */
    private static byte[] zip(PackageResponse pkg) {
        String content = pkg.content();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            put(zip, "package.json", content);
            put(zip, "package.sig", pkg.signature() + "\n");
            put(zip, "public-key.pem", "-----BEGIN PUBLIC KEY-----\n" + field(content, "public_key")
                    + "\n-----END PUBLIC KEY-----\n");
            put(zip, "README.txt", readme(pkg, field(content, "checkpoint", "key_id")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The text at {@code path} (object fields) of a package's content, "" if none: read as a stream, never as a tree. */
    static String field(String json, String... path) throws IOException {
        try (JsonParser parser = EventJson.MAPPER.getFactory().createParser(json)) {
            return parser.nextToken() == JsonToken.START_OBJECT ? field(parser, path, 0) : "";
        }
    }

    private static String field(JsonParser parser, String[] path, int depth) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (name.equals(path[depth])) {
                if (depth == path.length - 1) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : "";
                }
                return value == JsonToken.START_OBJECT ? field(parser, path, depth + 1) : "";
            }
            parser.skipChildren();
        }
        return "";
    }

    /**
     * How to verify the ZIP, naming the keys by id: public-key.pem comes with the package, so it proves nothing by
     * itself, and after a rotation the current key ({@code GET /v1/audit/public-key}) is not the one that signed.
     */
    static String readme(PackageResponse pkg, String checkpointKeyId) {
        String keyId = pkg.keyId();
        String checkpointKey = checkpointKeyId.isEmpty() || checkpointKeyId.equals(keyId) ? ""
                : """
                The checkpoint in package.json was signed by another key, %s, before a key rotation: fetch it with
                  GET /v1/audit/public-key?key_id=%s
                """.formatted(checkpointKeyId, checkpointKeyId);
        return """
                package.json is signed as it is, byte for byte, with Ed25519: package.sig is the base64 signature, made
                with the key %s. public-key.pem is that key as the package holds it: compare it with the key Warden
                serves under that id (GET /v1/audit/public-key?key_id=%s; the key answered without key_id is the one
                that signs now, another after a rotation) or one you got from the operator, then verify, e.g. with
                OpenSSL 3:
                  base64 -d package.sig > package.sig.bin
                  openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in package.json -sigfile package.sig.bin
                chain_proof.entries link the audit entries to the signed checkpoint; check them with
                tools/audit-verifier (see docs/audit-service.md).
                """.formatted(keyId, keyId) + checkpointKey;
    }

    private static void put(ZipOutputStream zip, String name, String content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }
}
