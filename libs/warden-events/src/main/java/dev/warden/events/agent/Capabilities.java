package dev.warden.events.agent;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Capabilities(List<String> allowedActionTypes, List<String> allowedResources, List<String> blockedResources) {

    public static final Capabilities NONE = new Capabilities(List.of(), List.of(), List.of());

    public Capabilities merge(Capabilities patch) {
        if (patch == null) {
            return this;
        }
        return new Capabilities(
                patch.allowedActionTypes != null ? patch.allowedActionTypes : allowedActionTypes,
                patch.allowedResources != null ? patch.allowedResources : allowedResources,
                patch.blockedResources != null ? patch.blockedResources : blockedResources);
    }
}
