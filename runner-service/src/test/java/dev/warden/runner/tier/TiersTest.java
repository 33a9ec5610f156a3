package dev.warden.runner.tier;

import dev.warden.runner.engine.Limits;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiers are configuration, assigned per organization; a wrong assignment stops the service at start. */
class TiersTest {

    private static final UUID TEAM_ORG = UUID.fromString("3f2a0000-0000-4000-8000-000000000001");

    @Test
    void anAssignedOrganizationGetsItsTierAndEveryOtherTheDefault() {
        Tiers tiers = new Tiers(config("free", List.of(TEAM_ORG + "=team")));

        Limits team = tiers.of(TEAM_ORG);
        assertEquals("team", team.tier());
        assertEquals(256, team.memoryMb());
        assertEquals(120_000, team.timeoutMs());
        assertTrue(team.network());
        assertEquals("free", tiers.of(UUID.randomUUID()).tier());
    }

    @Test
    void aDefaultOrAssignmentNamingNoTierOrNoOrganizationIsRefused() {
        assertThrows(IllegalStateException.class, () -> new Tiers(config("gold", List.of())));
        assertThrows(IllegalStateException.class, () -> new Tiers(config("free", List.of(TEAM_ORG + "=gold"))));
        assertThrows(IllegalStateException.class, () -> new Tiers(config("free", List.of("acme=team"))));
        assertThrows(IllegalStateException.class, () -> new Tiers(config("free", List.of(TEAM_ORG.toString()))));
    }

    private static RunnerConfig config(String defaultTier, List<String> assignments) {
        Map<String, RunnerConfig.TierConfig> tiers = Map.of("free", tier(0.5, 64, 30, false), "team", tier(1, 256, 120, true));
        return new RunnerConfig() {
            public Optional<String> dockerHost() { return Optional.empty(); }
            public String engine() { return "none"; }
            public String kubernetesNamespace() { return "warden-runs"; }
            public String instance() { return "test"; }
            public Duration goneAfter() { return Duration.ofSeconds(60); }
            public Duration projectionTimeout() { return Duration.ofSeconds(5); }
            public int maxConcurrent() { return 16; }
            public int maxConcurrentPerOrg() { return 4; }
            public String defaultTier() { return defaultTier; }
            public long listOutputBytes() { return 8 << 20; }
            public Images images() { return null; }
            public Map<String, TierConfig> tiers() { return tiers; }
            public Optional<List<String>> orgTiers() { return Optional.of(assignments); }
        };
    }

    private static RunnerConfig.TierConfig tier(double cpus, long memoryMb, long timeoutSeconds, boolean network) {
        return new RunnerConfig.TierConfig() {
            public double cpus() { return cpus; }
            public long memoryMb() { return memoryMb; }
            public Duration timeout() { return Duration.ofSeconds(timeoutSeconds); }
            public long pids() { return 64; }
            public long maxOutputBytes() { return 65536; }
            public boolean network() { return network; }
        };
    }
}
