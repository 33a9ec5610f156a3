package dev.warden.fleet.instance;

import dev.warden.api.ApiException;
import dev.warden.api.StorableValues;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A fleet list request, checked: filters (status, tags, q, org_id, updated_since: a heartbeat or a change of status
 * since then), order (sortBy hostname, registeredAt or
 * lastHeartbeat; sortDir asc or desc) and the page (limit, and the cursor of the previous page, which holds the
 * order it was made for and the last instance's position in it).
 */
public record InstanceQuery(String status, List<String> tags, String q, String orgId, Instant updatedSince, Sort sortBy,
                            boolean descending, int limit, Position after) {

    public enum Sort {
        /** As a person reads names: without regard to case, then by case (by byte order alone "Web-2" came before "db-1"). */
        hostname(List.of("lower(hostname)", "hostname"), List.of("lower(?)", "?")),
        registeredAt(List.of("registered_at"), List.of("?")),
        lastHeartbeat(List.of("last_heartbeat"), List.of("?"));

        /** The ORDER BY's keys before the instance id, and the placeholders a position's value takes in their place. */
        final List<String> keys;
        final List<String> positions;

        Sort(List<String> keys, List<String> positions) {
            this.keys = keys;
            this.positions = positions;
        }
    }

    /** Where the previous page ended: the sort value (text, or microseconds since the epoch) and the instance id. */
    public record Position(String value, String id) {

        Instant instant() {
            long micros = Long.parseLong(value);
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
        }

        static String encode(Sort sort, boolean descending, String value, String id) {
            String text = sort.name() + "\n" + (descending ? "desc" : "asc") + "\n" + id + "\n" + value;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }

        static Position decode(String raw, Sort sort, boolean descending) {
            if (raw == null || raw.isEmpty()) {
                return null;
            }
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8).split("\n", 4);
                if (parts.length != 4 || !parts[0].equals(sort.name()) || !parts[1].equals(descending ? "desc" : "asc")
                        || !parts[2].matches("^agent-[0-9a-f]{16}$")) {
                    throw new IllegalArgumentException("not for this order");
                }
                Position p = new Position(parts[3], parts[2]);
                if (sort != Sort.hostname) {
                    p.instant();
                } else if (!StorableValues.storable(p.value())) { // a hostname PostgreSQL could not compare with
                    throw new IllegalArgumentException("not a hostname");
                }
                return p;
            } catch (RuntimeException e) {
                throw ApiException.invalidField("cursor", "is not a cursor this list returned for this sortBy and sortDir");
            }
        }
    }

    static String positionOf(Instance i, Sort sort, boolean descending) {
        String value = switch (sort) {
            case hostname -> i.hostname();
            case registeredAt -> String.valueOf(micros(i.registeredAt()));
            case lastHeartbeat -> String.valueOf(micros(i.lastHeartbeat()));
        };
        return Position.encode(sort, descending, value, i.id());
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
    }
}
