package dev.warden.events.agent;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Risk thresholds of seed 002, each a score from 0 to 100. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RiskConfig(
        @Schema(minimum = "0", maximum = "100") Integer defaultRiskScore,
        @Schema(minimum = "0", maximum = "100") Integer autoApproveBelow,
        @Schema(minimum = "0", maximum = "100") Integer maxRiskThreshold,
        @Schema(minimum = "0", maximum = "100") Integer requiresMfaAbove,
        @Schema(minimum = "0", maximum = "100") Integer autonomousAutoApproveBelow,
        @Schema(minimum = "0", maximum = "100") Integer autonomousMaxRiskThreshold) {

    public static final RiskConfig DEFAULTS = new RiskConfig(50, 30, 80, 70, 20, 60);

    /** This configuration with every field that {@code patch} sets replaced. */
    public RiskConfig merge(RiskConfig patch) {
        if (patch == null) {
            return this;
        }
        return new RiskConfig(
                or(patch.defaultRiskScore, defaultRiskScore),
                or(patch.autoApproveBelow, autoApproveBelow),
                or(patch.maxRiskThreshold, maxRiskThreshold),
                or(patch.requiresMfaAbove, requiresMfaAbove),
                or(patch.autonomousAutoApproveBelow, autonomousAutoApproveBelow),
                or(patch.autonomousMaxRiskThreshold, autonomousMaxRiskThreshold));
    }

    private static Integer or(Integer value, Integer fallback) {
        return value != null ? value : fallback;
    }
}
