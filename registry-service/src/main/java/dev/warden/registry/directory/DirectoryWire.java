package dev.warden.registry.directory;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Seed 004's directory shapes, exactly: camelCase, as the seed. */
public final class DirectoryWire {

    /** Beyond the seed, on the list's items and the detail alike. */
    static final String STATUS = "Beyond seed 004: the status its organization set, active, inactive or suspended. A "
            + "suspended agent's key is not to be trusted (suspension is what an operator does when it leaks)";

    /** Marks a schema whose properties keep a seed's camelCase; {@code OpenApiChecks} admits it there only. */
    static final String SEED_CASING = "x-warden-casing";

    private DirectoryWire() {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "DirectoryRealm", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record DirectoryRealm(UUID id, String name, String slug, String color) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "DirectoryAgent", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record DirectoryAgent(@Schema(description = "The agent's DID when it has one, else its id") String id,
                                 String name, @Schema(description = "The capabilities granted at approval") List<String> capabilities,
                                 @Schema(nullable = true) String llmProvider, @Schema(nullable = true) String llmModel,
                                 @Schema(description = "Whether one of its fleet instances is online") boolean isOnline,
                                 Instant registeredAt,
                                 @Schema(nullable = true, description = "The newest heartbeat of its instances") Instant lastSeen,
                                 @Schema(nullable = true) DirectoryRealm realm,
                                 @Schema(description = STATUS, enumeration = {"active", "inactive", "suspended"}) String status) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "DirectoryAgentDetail", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record DirectoryAgentDetail(String id, String name, List<String> capabilities,
                                       @Schema(nullable = true) String llmProvider, @Schema(nullable = true) String llmModel,
                                       @Schema(nullable = true) String llmSystemPrompt, boolean isOnline,
                                       Instant registeredAt, @Schema(nullable = true) Instant lastSeen,
                                       @Schema(nullable = true) String publicKey, @Schema(nullable = true) DirectoryRealm realm,
                                       @Schema(description = STATUS, enumeration = {"active", "inactive", "suspended"}) String status) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "DirectoryListResponse", extensions = @Extension(name = SEED_CASING, value = "camelCase"),
            requiredProperties = {"agents", "total", "page", "pageSize", "totalPages", "online"})
    public record DirectoryListResponse(List<DirectoryAgent> agents, long total, int page, int pageSize, long totalPages,
                                        @Schema(description = "Online agents of the filtered set") long online,
                                        @JsonInclude(JsonInclude.Include.NON_NULL)
                                        @Schema(description = "Beyond seed 004, and only while it has one: the cursor of "
                                                + "the next page in the registration order (sortBy=registeredAt, "
                                                + "ascending, or after a cursor); absent on the last page and in the "
                                                + "seed's other orders, so those answers keep the seed's shape")
                                        String nextCursor) {
    }
}
