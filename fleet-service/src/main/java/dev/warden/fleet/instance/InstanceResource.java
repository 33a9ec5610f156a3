package dev.warden.fleet.instance;

import dev.warden.api.ApiException;
import dev.warden.api.Checks;
import dev.warden.api.ClientAddresses;
import dev.warden.api.PageRequest;
import dev.warden.api.IpAddresses;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.fleet.FleetConfig;
import dev.warden.fleet.enrollment.FleetIdentity;
import dev.warden.fleet.enrollment.FleetSecrets;
import dev.warden.fleet.instance.InstanceService.Registration;
import dev.warden.fleet.instance.InstanceWire.Counts;
import dev.warden.fleet.instance.InstanceWire.Detail;
import dev.warden.fleet.instance.InstanceWire.DetailEnvelope;
import dev.warden.fleet.instance.InstanceWire.HeartbeatAck;
import dev.warden.fleet.instance.InstanceWire.HeartbeatEnvelope;
import dev.warden.fleet.instance.InstanceWire.HeartbeatRequest;
import dev.warden.fleet.instance.InstanceWire.ListEnvelope;
import dev.warden.fleet.instance.InstanceWire.Message;
import dev.warden.fleet.instance.InstanceWire.MessageEnvelope;
import dev.warden.fleet.instance.InstanceWire.RegisterRequest;
import dev.warden.fleet.instance.InstanceWire.Registered;
import dev.warden.fleet.instance.InstanceWire.RegisteredEnvelope;
import dev.warden.fleet.instance.InstanceWire.Summary;
import dev.warden.tenancy.security.CredentialWatch;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/** Seed 003 under {@code /v1/fleet/agents}: register, heartbeat, deregister, list and get fleet instances. */
@Path("/v1/fleet/agents")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Fleet", description = "Running instances of agents: registration, heartbeats and liveness (seed 003)")
public class InstanceResource {

    static final Pattern POLICY_VERSION = Pattern.compile("^v(0|[1-9][0-9]{0,8})$");
    static final List<String> STATUSES = List.of("online", "stale", "offline");
    static final int MAX_TAGS = 50;
    static final int MAX_TAG_LENGTH = 64;
    static final double MAX_UPTIME = 1e10;

    private final InstanceService service;
    private final CurrentActor actor;
    private final SecurityIdentity identity;
    private final CredentialWatch credentials;
    private final long intervalSeconds;
    private final ClientAddresses addresses;

    public InstanceResource(InstanceService service, CurrentActor actor, SecurityIdentity identity, FleetConfig config,
                            CredentialWatch credentials, ClientAddresses addresses) {
        this.credentials = credentials;
        this.addresses = addresses;
        this.service = service;
        this.actor = actor;
        this.identity = identity;
        this.intervalSeconds = config.heartbeatInterval().toSeconds();
    }

    @POST
    @Path("/register")
    @RolesAllowed({Roles.OPERATOR, FleetIdentity.ENROLLEE})
    @Extension(name = WardenApiDefinition.BEARER_ONLY_ROLES, value = FleetIdentity.ENROLLEE)
    @Operation(operationId = "registerFleetInstance", summary = "Register an instance",
            description = "With an enrolment token (Authorization: Bearer wfe_...) or an operator's credential. Answers "
                    + "the instance, online, and its own credential for heartbeats (shown once).")
    @APIResponse(responseCode = "201", description = "Registered",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RegisteredEnvelope.class)))
    @APIResponse(responseCode = "404", ref = WardenApiDefinition.NOT_FOUND)
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    public Uni<RestResponse<RegisteredEnvelope>> register(RegisterRequest request, @Context HttpServerRequest http) {
        RegisterRequest body = Checks.body(request);
        UUID org = actor.org();
        // What an enrolled machine says of itself is shown in lists and written to the audit trail: one line each
        Checks c = new Checks().required("hostname", body.hostname()).maxLength("hostname", body.hostname(), 253)
                .oneLine("hostname", body.hostname())
                .required("os", body.os()).maxLength("os", body.os(), 64).oneLine("os", body.os())
                .required("version", body.version()).maxLength("version", body.version(), 64)
                .oneLine("version", body.version())
                .check(body.ip() == null || IpAddresses.isLiteral(body.ip()), "ip", "must be an IPv4 or IPv6 address");
        checkTags(c, "tags", body.tags());
        c.eachOneLine("tags", body.tags()); // after the bounds: a refused list is not read entry by entry
        c.orThrow();
        UUID claimedOrg = Params.optionalUuidField("org_id", body.orgId());
        if (claimedOrg != null && !claimedOrg.equals(org)) {
            throw ApiException.invalidField("org_id", "must be the organization of your credential");
        }
        UUID agent = Params.optionalUuidField("agent_id", body.agentId());
        UUID pinned = FleetIdentity.agentId(identity);
        if (pinned != null && agent != null && !pinned.equals(agent)) {
            throw ApiException.invalidField("agent_id", "must be the agent your enrolment token is for");
        }
        String ip = body.ip() != null ? body.ip() : addresses.of(http);
        List<String> tags = body.tags() == null ? List.of() : List.copyOf(new java.util.LinkedHashSet<>(body.tags()));
        // The instance's credential outlives the request: issued only to a caller still usable now
        return credentials.stillUsable().chain(() -> service.register(org, new Registration(body.hostname(), body.os(),
                        body.version(), ip, tags, agent != null ? agent : pinned, FleetIdentity.tokenId(identity), actor.name())))
                .map(r -> {
                    Instance i = r.instance();
                    return RestResponse.status(RestResponse.Status.CREATED, new RegisteredEnvelope(true, new Registered(
                            i.id(), i.hostname(), i.os(), i.version(), i.ip(), i.tags(), i.status(), i.registeredAt(),
                            i.agentId(), r.credential(), intervalSeconds)));
                });
    }

    @POST
    @Path("/{id}/heartbeat")
    @RolesAllowed({Roles.OPERATOR, Roles.INSTANCE})
    @Extension(name = WardenApiDefinition.BEARER_ONLY_ROLES, value = Roles.INSTANCE) // an instance API key: 403
    @Operation(operationId = "sendFleetHeartbeat", summary = "Send a heartbeat",
            description = "With the instance's credential (Authorization: Bearer wfi_...), for itself only, or an "
                    + "operator's. Answered once written to the database; pendingPolicies counts the policy changes "
                    + "of its agent after the reported active_policy_version, or else after the version the instance last "
                    + "applied (reported, or fetched from /v1/fleet/agents/{id}/policies).")
    @APIResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = HeartbeatEnvelope.class)))
    @APIResponse(responseCode = "404", ref = WardenApiDefinition.NOT_FOUND)
    public Uni<HeartbeatEnvelope> heartbeat(@PathParam("id") @Parameter(schema = @Schema(pattern = "^agent-[0-9a-f]{16}$")) String id,
                                            @RequestBody(required = false, description = "Every field optional, "
                                                    + "the body too (seed 003)") HeartbeatRequest request,
                                            @jakarta.ws.rs.core.Context io.vertx.core.http.HttpServerRequest http) {
        UUID org = actor.org();
        // An API key of the instance role reports actions (audit-service); it is no instance's credential, so it may not
        // speak for any instance's liveness
        FleetIdentity.requireItselfOr(identity, Roles.OPERATOR, id,
                "A heartbeat comes with the instance's own credential (Bearer wfi_...) or an operator's");
        // Seed 003's fields are all optional: a heartbeat with no body at all is one with none of them
        HeartbeatRequest body = Checks.optionalBody(request, HeartbeatRequest.EMPTY, http);
        Checks c = new Checks()
                .check(body.uptime() == null || body.uptime() >= 0 && body.uptime() <= MAX_UPTIME, "uptime",
                        "must be a number of seconds, at least 0")
                .check(percent(body.cpu()), "cpu", "must be between 0 and 100")
                .check(percent(body.memory()), "memory", "must be between 0 and 100")
                .check(body.version() == null || !body.version().isBlank(), "version", "must not be empty")
                .maxLength("version", body.version(), 64).oneLine("version", body.version())
                .check(body.activePolicyVersion() == null || POLICY_VERSION.matcher(body.activePolicyVersion()).matches(),
                        "active_policy_version", "must be v followed by a number from 0 to 999999999, as policyVersion is answered");
        c.orThrow();
        Integer reported = body.activePolicyVersion() == null ? null : Integer.parseInt(body.activePolicyVersion().substring(1));
        return service.heartbeat(org, id, body.uptime(), body.cpu(), body.memory(), body.version(), reported)
                .map(beat -> {
                    int applied = beat.activePolicyVersion() == null ? 0 : beat.activePolicyVersion();
                    int pending = Math.max(0, beat.policyChanges() - applied);
                    return new HeartbeatEnvelope(true, new HeartbeatAck(beat.id(), beat.status(), beat.lastHeartbeat(),
                            pending, InstanceWire.policyVersion(beat.policyChanges()), intervalSeconds));
                });
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(operationId = "deregisterFleetInstance", summary = "Deregister an instance",
            description = "It leaves every list, answers 404 and its heartbeats are refused; its history stays in the audit log.")
    @APIResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MessageEnvelope.class)))
    @APIResponse(responseCode = "404", ref = WardenApiDefinition.NOT_FOUND)
    public Uni<MessageEnvelope> deregister(@PathParam("id") @Parameter(schema = @Schema(pattern = "^agent-[0-9a-f]{16}$")) String id) {
        UUID org = actor.org();
        requireId(id);
        return service.deregister(org, id, actor.name())
                .replaceWith(new MessageEnvelope(true, new Message("Agent " + id + " deregistered successfully")));
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "listFleetInstances", summary = "List instances",
            description = "Live instances, filtered by status and tags (each tag given must be carried), q (hostname or "
                    + "id), ordered by sortBy and sortDir, a page at a time, with the organization's counts per status.")
    public Uni<ListEnvelope> list(
            @QueryParam("status") @Parameter(schema = @Schema(enumeration = {"online", "stale", "offline"})) String status,
            @QueryParam("tag") @Parameter(description = "Repeatable: an instance must carry every tag given") List<String> tag,
            @QueryParam("org_id") @Parameter(description = "Your organization's id; any other value lists nothing",
                    schema = @Schema(type = SchemaType.STRING, maxLength = 64)) String orgId,
            @QueryParam("q") @Parameter(schema = @Schema(maxLength = 253), description = "Part of the hostname, or the id") String q,
            @QueryParam("sortBy") @Parameter(schema = @Schema(enumeration = {"hostname", "registeredAt", "lastHeartbeat"})) String sortBy,
            @QueryParam("sortDir") @Parameter(schema = @Schema(enumeration = {"asc", "desc"})) String sortDir,
            @QueryParam("limit") @Parameter(description = PageRequest.WHOLE_LIMIT,
                    schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500")) String limit,
            @QueryParam("cursor") String cursor,
            @QueryParam("updated_since") @Parameter(description = "Only instances with a heartbeat or a change of status since "
                    + "then; without status, the instances deregistered since then too (status deregistered)") String updatedSince) {
        UUID org = actor.org();
        String s = Params.optionalChoice("status", status, STATUSES);
        List<String> tags = new ArrayList<>();
        for (String t : tag == null ? List.<String>of() : tag) {
            tags.add(Params.optionalText("tag", t, MAX_TAG_LENGTH));
        }
        Checks c = new Checks();
        checkTags(c, "tag", tags);
        c.orThrow();
        // Seed 003 types org_id as any string: one that is not the caller's organization (a name, another id) lists
        // nothing, as Row-Level Security shows nothing of another organization; an id in upper case is the same id
        String claimed = Params.optionalText("org_id", orgId, 64);
        claimed = claimed == null ? null : claimed.toLowerCase(java.util.Locale.ROOT);
        String text = Params.optionalText("q", q, 253);
        java.time.Instant since = Params.optionalSince("updated_since", updatedSince);
        InstanceQuery.Sort sort = Params.optionalEnum("sortBy", sortBy, InstanceQuery.Sort.class);
        SortDir dir = Params.optionalEnum("sortDir", sortDir, SortDir.class);
        int size = PageRequest.wholeLimit(limit, PageRequest.MAX_LIMIT);
        InstanceQuery.Sort by = sort == null ? InstanceQuery.Sort.registeredAt : sort;
        boolean desc = dir == SortDir.desc;
        InstanceQuery query = new InstanceQuery(s, tags, text == null || text.isEmpty() ? null : text, claimed, since, by, desc,
                size, InstanceQuery.Position.decode(cursor, by, desc));
        return service.list(org, query).map(page -> {
            List<Summary> items = new ArrayList<>(page.page().items().size());
            page.page().items().forEach(i -> items.add(Summary.of(i)));
            String next = page.page().more() ? InstanceQuery.positionOf(page.page().items().getLast(), by, desc) : null;
            var counts = page.counts();
            return new ListEnvelope(true, items, page.page().total(), page.page().totalExact(), next, new Counts(
                    counts.getOrDefault("online", 0L), counts.getOrDefault("stale", 0L), counts.getOrDefault("offline", 0L)));
        });
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "getFleetInstance", summary = "Get an instance",
            description = "With its last figures, its agent's drift events of the last 24 hours (recentThreats) and "
                    + "the policy version it reported.")
    @APIResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DetailEnvelope.class)))
    @APIResponse(responseCode = "404", ref = WardenApiDefinition.NOT_FOUND)
    public Uni<DetailEnvelope> get(@PathParam("id") @Parameter(schema = @Schema(pattern = "^agent-[0-9a-f]{16}$")) String id) {
        UUID org = actor.org();
        requireId(id);
        return service.get(org, id).map(d -> {
            Instance i = d.instance();
            return new DetailEnvelope(true, new Detail(i.id(), i.hostname(), i.os(), i.version(), i.ip(), i.status(),
                    i.tags(), i.cpu(), i.memory(), i.uptime(), i.lastHeartbeat(), i.registeredAt(), d.recentThreats(),
                    i.activePolicyVersion() == null ? null : InstanceWire.policyVersion(i.activePolicyVersion()),
                    i.agentId()));
        });
    }

    public enum SortDir { asc, desc }

    private static void requireId(String id) {
        if (!FleetSecrets.INSTANCE_ID.matcher(id).matches()) {
            throw ApiException.notFound("Agent");
        }
    }

    private static boolean percent(Double value) {
        return value == null || value >= 0 && value <= 100;
    }

    private static void checkTags(Checks c, String field, List<String> tags) {
        c.maxSize(field, tags, MAX_TAGS).noBlankEntries(field, tags);
        if (tags != null) {
            c.check(tags.stream().allMatch(t -> t == null || t.length() <= MAX_TAG_LENGTH), field,
                    "entries must be at most " + MAX_TAG_LENGTH + " characters");
        }
    }
}
