package dev.warden.agent.realm;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Seed 004's realm shapes ({@code id, name, slug, color}), camelCase like the rest of seed 004. */
public final class RealmWire {

    /** Marks a schema whose properties keep a seed's camelCase; {@code OpenApiChecks} admits it there only. */
    static final String SEED_CASING = "x-warden-casing";
    static final String SLUG_PATTERN = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$";
    static final String COLOR_PATTERN = "^#[0-9a-f]{6}$";

    private RealmWire() {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "CreateRealmRequest", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record CreateRealmRequest(
            @Schema(required = true, maxLength = 200, examples = "Engineering") String name,
            @Schema(required = true, pattern = SLUG_PATTERN, description = "Lower-case letters, digits and inner hyphens, "
                    + "at most 64; unique in the organization") String slug,
            @Schema(required = true, pattern = COLOR_PATTERN, examples = "#3b82f6", description = "#rrggbb, lower case") String color) {
    }

    /** Every field is optional; only the fields given change. */
    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "UpdateRealmRequest", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record UpdateRealmRequest(
            @Schema(maxLength = 200, examples = "Engineering") String name,
            @Schema(pattern = SLUG_PATTERN) String slug,
            @Schema(pattern = COLOR_PATTERN, examples = "#3b82f6") String color) {

        @Schema(hidden = true)
        public boolean isEmpty() {
            return name == null && slug == null && color == null;
        }
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "Realm", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RealmResponse(UUID id, String name, String slug, String color, Instant createdAt, Instant updatedAt,
            /** Not in the body (seed 004's realm has no such field): the answer's ETag ({@code ETags}). */
            @JsonIgnore @Schema(hidden = true) long revision) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "RealmListResponse", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RealmListResponse(List<RealmResponse> realms,
            long total,
            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
            @Schema(nullable = true, description = "null on the last page; the cursor of the next") String nextCursor) {
    }
}
