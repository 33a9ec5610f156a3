package dev.warden.runner.tier;

import dev.warden.runner.engine.Limits;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The limits of an organization's plan tier: configuration, assigned per organization, checked at start. */
@ApplicationScoped
public class Tiers {

    private final RunnerConfig config;
    private final Map<UUID, String> assigned = new HashMap<>();

    public Tiers(RunnerConfig config) {
        this.config = config;
        if (!config.tiers().containsKey(config.defaultTier())) {
            throw new IllegalStateException("warden.runner.default-tier names no tier: " + config.defaultTier());
        }
        OrgEntries.parse("warden.runner.org-tiers", config.orgTiers().orElse(List.of())).forEach((org, names) -> {
            String name = names.getLast();
            if (!config.tiers().containsKey(name)) {
                throw new IllegalStateException("warden.runner.org-tiers: \"" + org + "=" + name + "\" names no configured tier");
            }
            assigned.put(org, name);
        });
    }

    /** The tier name of an organization: its assignment, else the default. */
    public String tierOf(UUID org) {
        return assigned.getOrDefault(org, config.defaultTier());
    }

    public Limits of(UUID org) {
        return limits(tierOf(org));
    }

    public Limits limits(String name) {
        RunnerConfig.TierConfig tier = config.tiers().get(name);
        return new Limits(name, tier.cpus(), tier.memoryMb(), tier.timeout().toMillis(), tier.pids(),
                tier.maxOutputBytes(), tier.network());
    }

    public Map<String, RunnerConfig.TierConfig> all() {
        return config.tiers();
    }
}
