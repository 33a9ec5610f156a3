package dev.warden.fleet.instance;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Seed 003's shapes. Requests keep the seed's field names ({@code hostname}, {@code org_id}: snake_case, as every
 * Warden request); answers keep its camelCase ({@code registeredAt}, {@code lastHeartbeat}), inside the seed's
 * {@code {"ok": true, "data": ...}} envelope.
 */
public final class InstanceWire {

    /** Marks a schema whose properties keep a seed's camelCase; {@code OpenApiChecks} admits it there only. */
    public static final String SEED_CASING = "x-warden-casing";
    static final String STATUSES = "online, stale or offline";

    private InstanceWire() {
    }

    @Schema(name = "RegisterInstanceRequest")
    public record RegisterRequest(
            @Schema(required = true, maxLength = 253, examples = "web-server-1") String hostname,
            @Schema(required = true, maxLength = 64, examples = "linux") String os,
            @Schema(required = true, maxLength = 64, examples = "1.2.0") String version,
            @Schema(maxLength = 45, description = "Taken from the request when absent", examples = "203.0.113.10") String ip,
            @Schema(format = "uuid", description = "Must be the organization of the credential") String orgId,
            @Schema(format = "uuid", description = "The governed agent this instance runs; one fleet-service knows") String agentId,
            @Schema(maxItems = 50, description = "Tags for grouping and filtering") List<String> tags) {
    }

    @Schema(name = "HeartbeatRequest")
    public record HeartbeatRequest(
            @Schema(minimum = "0", maximum = "10000000000", description = "Seconds since the instance started") Double uptime,
            @Schema(minimum = "0", maximum = "100", description = "CPU usage, percent") Double cpu,
            @Schema(minimum = "0", maximum = "100", description = "Memory usage, percent") Double memory,
            @Schema(maxLength = 64) String version,
            @Schema(pattern = "^v(0|[1-9][0-9]{0,8})$", description = "The policy version the instance applies (the "
                    + "policyVersion a heartbeat answered)", examples = "v2") String activePolicyVersion) {

        /** A heartbeat that reports nothing but itself: seed 003 makes every field, and so the body, optional. */
        public static final HeartbeatRequest EMPTY = new HeartbeatRequest(null, null, null, null, null);
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "RegisteredInstance", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record Registered(String id, String hostname, String os, String version, String ip, List<String> tags,
                             @Schema(enumeration = "online") String status, Instant registeredAt,
                             @Schema(nullable = true) UUID agentId,
                             @Schema(description = "The instance's own secret for its heartbeats (Authorization: Bearer); "
                                     + "shown once, only its SHA-256 is kept") String credential,
                             @Schema(description = "Send a heartbeat this often (seconds)", examples = "60") long heartbeatIntervalSeconds) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "HeartbeatAck", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record HeartbeatAck(String id, @Schema(enumeration = "online") String status, Instant lastHeartbeat,
                               @Schema(description = "Policy changes for its agent after the version the instance applies: the one "
                                       + "this heartbeat reported, or else the last reported or fetched")
                               int pendingPolicies,
                               @Schema(description = "The agent's current policy version, to report once applied",
                                       examples = "v3") String policyVersion,
                               @Schema(description = "Send the next heartbeat within this many seconds", examples = "60")
                               long heartbeatIntervalSeconds) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "FleetInstance", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record Summary(String id, String hostname, String os, String version, String ip,
                          @Schema(enumeration = {"online", "stale", "offline", "deregistered"},
                                  description = "deregistered only in a list asked with updated_since and no status")
                          String status, List<String> tags,
                          Instant lastHeartbeat, Instant registeredAt, @Schema(nullable = true) UUID agentId) {

        static Summary of(Instance i) {
            return new Summary(i.id(), i.hostname(), i.os(), i.version(), i.ip(), i.status(), i.tags(),
                    i.lastHeartbeat(), i.registeredAt(), i.agentId());
        }
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "FleetInstanceDetail", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record Detail(String id, String hostname, String os, String version, String ip,
                         @Schema(enumeration = {"online", "stale", "offline"}) String status, List<String> tags,
                         @Schema(nullable = true) Double cpu, @Schema(nullable = true) Double memory,
                         @Schema(nullable = true) @JsonSerialize(using = WholeAsInteger.class) Double uptime,
                         Instant lastHeartbeat, Instant registeredAt,
                         @Schema(description = "Drift events of its agent in the last 24 hours") long recentThreats,
                         @Schema(nullable = true, examples = "v2") String activePolicyVersion,
                         @Schema(nullable = true) UUID agentId) {
    }

    /**
     * Seed 003 answers {@code "uptime": 86400}: a whole number of seconds is written as an integer, not {@code 86400.0},
     * which a client decoding into an integer type refuses; a fraction stays one.
     */
    public static final class WholeAsInteger extends StdSerializer<Double> {
        public WholeAsInteger() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
            if (value == Math.rint(value) && Math.abs(value) < 0x1p53) {
                out.writeNumber(value.longValue());
            } else {
                out.writeNumber(value);
            }
        }
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "FleetStatusCounts", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record Counts(long online, long stale, long offline) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "FleetMessage", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record Message(String message) {
    }

    @Schema(name = "RegisteredInstanceEnvelope")
    public record RegisteredEnvelope(@Schema(description = "Always true on success") boolean ok, Registered data) {
    }

    @Schema(name = "HeartbeatEnvelope")
    public record HeartbeatEnvelope(@Schema(description = "Always true on success") boolean ok, HeartbeatAck data) {
    }

    @Schema(name = "FleetInstanceEnvelope")
    public record DetailEnvelope(@Schema(description = "Always true on success") boolean ok, Detail data) {
    }

    @Schema(name = "FleetMessageEnvelope")
    public record MessageEnvelope(@Schema(description = "Always true on success") boolean ok, Message data) {
    }

    /** Seed 003's list (data is the array), with the paging and per-status counts every Warden list has. */
    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "FleetInstanceList", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record ListEnvelope(@Schema(description = "Always true on success") boolean ok, List<Summary> data,
                               @Schema(description = "Instances matching the filters, counted up to 10,000") long total,
                               @Schema(description = "false when total is that bound") boolean totalExact,
                               @Schema(nullable = true, description = "null on the last page") String nextCursor,
                               @Schema(description = "Live instances of the organization per status, whatever the filters")
                               Counts counts) {
    }

    public static String policyVersion(int changes) {
        return "v" + changes;
    }
}
