package dev.warden.runner.tier;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A per-organization setting written {@code <org id>=<value>}, an entry per value (tiers, image prefixes). */
final class OrgEntries {

    private OrgEntries() {
    }

    /** The values of each organization, in order; an entry without an organization id or a value stops the start. */
    static Map<UUID, List<String>> parse(String key, List<String> entries) {
        Map<UUID, List<String>> values = new LinkedHashMap<>();
        for (String entry : entries) {
            String[] parts = entry.trim().split("=", 2);
            UUID org;
            try {
                org = UUID.fromString(parts[0].trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(key + ": not an organization id in \"" + entry + "\"");
            }
            if (parts.length != 2 || parts[1].isBlank()) {
                throw new IllegalStateException(key + ": \"" + entry + "\" names no value after =");
            }
            values.computeIfAbsent(org, o -> new ArrayList<>()).add(parts[1].trim());
        }
        return values;
    }
}
