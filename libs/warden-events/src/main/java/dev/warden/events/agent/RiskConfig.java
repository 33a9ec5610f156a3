package dev.warden.events.agent;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** Risk thresholds of seed 002, each a score from 0 to 100. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RiskConfig(
        Integer defaultRiskScore,
        Integer autoApproveBelow,
        Integer maxRiskThreshold,
        Integer requiresMfaAbove,
        Integer autonomousAutoApproveBelow,
        Integer autonomousMaxRiskThreshold) {

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
