package dev.warden.audit.action;

import dev.warden.api.ApiException;
import dev.warden.api.Checks;
import dev.warden.audit.recording.EntryMapper;
import dev.warden.api.OrgRates;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Identities;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.identity.SecurityIdentity;
import dev.warden.tenancy.security.Roles;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
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

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Actions agents performed through their connectors, reported by the agent's instance or an operator. */
@Path("/v1/audit/actions")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Agent actions", description = "What agents did through their connectors: the input of drift detection")
public class ActionResource {

    static final int MAX_BATCH = 1000;
    private static final Set<String> STATUSES = Set.of("success", "failure", "denied");
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final String SHA256 = "^[0-9a-f]{64}$";

    private final ActionService service;
    private final CurrentActor actor;
    private final SecurityIdentity identity;
    private final Config config;
    private final OrgRates rates;

    public ActionResource(ActionService service, CurrentActor actor, SecurityIdentity identity, Config config,
                          MeterRegistry meters) {
        this.service = service;
        this.actor = actor;
        this.identity = identity;
        this.config = config;
        this.rates = new OrgRates("too_many_actions", "reported actions", config.ratePerSecond(),
                Math.max(MAX_BATCH, config.burst())).meteredAs(meters, "warden.audit.actions.refused");
    }

    @ConfigMapping(prefix = "warden.audit.actions")
    public interface Config {

        /**
         * How long after an action occurred it may still be reported: an agent that buffered its reports offline sends
         * them within this. An action older than that is refused, so that no report lands in a period whose entries
         * were already exported or packaged, and no agent spreads a burst of actions over a past it makes up, out of
         * reach of its rate limit's window (drift is counted by {@code occurred_at}).
         */
        @WithDefault("24h")
        Duration reportWithin();

        /**
         * Actions one organization may report a second, on each replica ({@link OrgRates}): every one is an entry of
         * the chain, kept for good, and a user trial's one organization recorded 720,000 in 80 s, delaying every other
         * organization's entries from 0.2 to 7.6 s and filling the disk at 35 MB/s.
         */
        @WithDefault("2000")
        long ratePerSecond();

        /** Actions one organization may report at once before its rate applies (at least a batch, 1000). */
        @WithDefault("20000")
        long burst();
    }

    public record RecordActionsRequest(@Schema(required = true, format = "uuid") String agentId,
                                       @Schema(required = true, minItems = 1, maxItems = MAX_BATCH) List<ActionItem> actions) {
    }

    public record ActionItem(@Schema(required = true, maxLength = 64, examples = "crowdstrike") String connector,
                             @Schema(required = true, maxLength = 200, examples = "detections:read") String action,
                             @Schema(maxLength = 200) String dataType,
                             @Schema(required = true, enumeration = {"success", "failure", "denied"}) String status,
                             @Schema(pattern = SHA256) String inputsHash,
                             @Schema(pattern = SHA256) String outputsHash,
                             @Schema(required = true, description = "Not in the future, nor older than the "
                                     + "report window (warden.audit.actions.report-within, 24 hours by default)")
                             Instant occurredAt) {
    }

    public record Accepted(int accepted, List<UUID> eventIds) {
    }

    @POST
    @RolesAllowed({Roles.OPERATOR, Roles.INSTANCE})
    @APIResponse(responseCode = "404", ref = WardenApiDefinition.NOT_FOUND)
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    @Operation(operationId = "recordAgentActions", summary = "Report a batch of agent actions",
            description = "Every invalid entry is named by its index and reason; a valid batch is accepted whole (202). "
                    + "An organization reports at most warden.audit.actions.rate-per-second actions a second (2000 by "
                    + "default, up to warden.audit.actions.burst at once) on each replica; past that, 429 "
                    + "too_many_actions with Retry-After, and nothing of the batch is recorded.")
    @APIResponse(responseCode = "202", description = "Accepted: the actions are published and will be recorded in the chain",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Accepted.class)))
    public Uni<RestResponse<Accepted>> record(RecordActionsRequest request) {
        RecordActionsRequest body = Checks.body(request);
        UUID agent = Params.uuid("agent_id", body.agentId());
        // A fleet instance's credential (InstanceCredentials) is bound to the agent it runs: that agent's actions only.
        UUID bound = Identities.agent(identity);
        if (bound != null && !bound.equals(agent)) {
            throw ApiException.forbidden("An instance reports actions for its own agent only");
        }
        check(body.actions());
        rates.take(actor.org(), body.actions().size());
        return service.report(actor.org(), actor.name(), agent, body.actions())
                .map(ids -> RestResponse.accepted(new Accepted(ids.size(), ids)));
    }

    private void check(List<ActionItem> actions) {
        Checks c = new Checks().required("actions", actions);
        if (actions != null) {
            c.check(!actions.isEmpty() && actions.size() <= MAX_BATCH, "actions", "must hold 1 to " + MAX_BATCH + " entries");
            Instant now = Instant.now();
            Instant latest = now.plus(CLOCK_SKEW);
            Instant earliest = now.minus(config.reportWithin());
            String window = readable(config.reportWithin());
            for (int i = 0; i < actions.size(); i++) {
                ActionItem a = actions.get(i);
                String at = "actions[" + i + "]";
                if (a == null) {
                    c.check(false, at, "must be an object");
                    continue;
                }
                c.required(at + ".connector", a.connector()).maxLength(at + ".connector", a.connector(), 64)
                        .required(at + ".action", a.action()).maxLength(at + ".action", a.action(), 200);
                c.maxLength(at + ".data_type", a.dataType(), 200);
                name(c, at + ".connector", a.connector());
                name(c, at + ".action", a.action());
                name(c, at + ".data_type", a.dataType());
                c.check(a.status() != null && STATUSES.contains(a.status()), at + ".status",
                                "must be success, failure or denied")
                        .check(sha256(a.inputsHash()), at + ".inputs_hash", "must be 64 lowercase hex characters")
                        .check(sha256(a.outputsHash()), at + ".outputs_hash", "must be 64 lowercase hex characters")
                        .required(at + ".occurred_at", a.occurredAt())
                        .check(a.occurredAt() == null || a.occurredAt().isBefore(latest), at + ".occurred_at",
                                "must not be in the future")
                        .check(a.occurredAt() == null || !a.occurredAt().isBefore(earliest), at + ".occurred_at",
                                "must be within the report window, the last " + window);
            }
        }
        c.orThrow();
    }

    /** 24 hours, 90 minutes, 45 seconds. */
    private static String readable(Duration d) {
        return d.toSeconds() % 3600 == 0 ? d.toHours() + " hours"
                : d.toSeconds() % 60 == 0 ? d.toMinutes() + " minutes" : d.toSeconds() + " seconds";
    }

    /** Control and format characters (zero-width, direction, byte-order mark), line breaks, private and unassigned. */
    private static final Pattern UNSEEN = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Co}\\p{Cs}\\p{Cn}]");

    /**
     * A name an entry is searched and shown by is one line of what it reads as: no character that changes its bytes
     * but not its look ({@link #UNSEEN}); ASCII throughout when it uses Latin letters, so that {@code аgent.} (Cyrillic
     * a), {@code ᴀgent.} (a small capital), {@code agent。} or {@code api‐key.} (another dot, another hyphen) can
     * neither pose as Warden's own entries nor hide from a search for what they read as; and no name of Warden's own
     * entries, nor one that reads as one in another script alone (EntryMapper, by Unicode's confusable skeleton).
     * Names in other scripts alone ({@code создать_задачу}, {@code チケット作成}) are names like any.
     */
    static void name(Checks c, String field, String value) {
        if (value == null || c.refused(field)) {
            return; // past its bound: not read whole
        }
        c.check(!UNSEEN.matcher(value).find(), field,
                "must be one line of visible text, without control, format (zero-width, direction) or unassigned characters");
        c.check(!Checks.latinOutsideAscii(value), field, "must be ASCII when it uses Latin letters");
        c.check(!EntryMapper.reservedActionType(value), field,
                "is a name Warden's own entries use (" + EntryMapper.RESERVED_ACTION_PREFIXES + ")");
        c.noSecret(field, value); // chained for good, as the intent's own lists, which refuse them too
    }

    private static boolean sha256(String value) {
        return value == null || value.matches(SHA256);
    }
}
