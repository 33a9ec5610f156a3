package dev.warden.runner.tier;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * runner-service's settings ({@code warden.runner.*}): the engine, this instance's label, the concurrency limits, and
 * the plan tiers with the organizations assigned to them (see docs/runner-service.md).
 */
@ConfigMapping(prefix = "warden.runner")
public interface RunnerConfig {

    /** The Docker Engine API ({@code unix:///run/podman/podman.sock}, {@code tcp://...}); empty: no engine (503). */
    @WithName("docker-host")
    Optional<String> dockerHost();

    /**
     * Where runs go: {@code docker} (the Docker Engine API at {@link #dockerHost()}), {@code kubernetes} (Jobs) or
     * {@code none} (every run a 503).
     */
    @WithDefault("docker")
    String engine();

    /** The namespace of the Jobs, with the {@code kubernetes} engine (in-cluster or kubeconfig credentials). */
    @WithDefault("warden-runs")
    String kubernetesNamespace();

    /** The label value of the containers this instance starts; a restarted instance reaps those left behind. */
    @WithDefault("local")
    String instance();

    /**
     * How long an instance name that has runs recorded as {@code running} must stay free (no live replica holding it)
     * before another replica takes it over: removes its containers from its own engine and records those runs as
     * {@code error} (a replica scaled away, or never started again). Longer than a replica takes to come back from a
     * restart or a database outage.
     */
    @WithDefault("60s")
    Duration goneAfter();

    /**
     * How long a run waits for the agent projection to hold every agent event published before it (a suspension
     * answered a moment ago) before it answers 503 rather than decide on what may be stale.
     */
    @WithDefault("5s")
    Duration projectionTimeout();

    /** Runs at once in all; beyond it 429. */
    @WithDefault("16")
    int maxConcurrent();

    /** Runs at once per organization; beyond it 429. */
    @WithDefault("4")
    int maxConcurrentPerOrg();

    /** The tier of organizations not named in {@link #orgTiers()}. */
    @WithDefault("free")
    String defaultTier();

    /**
     * The most recorded output (stored JSON, stdout and stderr) one page of an agent's executions carries: a page
     * ends early, with its {@code next_cursor}, rather than exceed it (it always holds one execution).
     */
    @WithDefault("8388608")
    long listOutputBytes();

    /** The tiers by name. */
    Map<String, TierConfig> tiers();

    /**
     * The organizations on another tier than the default: {@code <org id>=<tier>} entries, comma-separated
     * ({@code WARDEN_RUNNER_ORG_TIERS=3f2a...=team,9c1b...=enterprise}).
     */
    Optional<List<String>> orgTiers();

    /** Which images organizations may run ({@link ImagePolicy}); nothing set, any image. */
    Images images();

    interface Images {
        /** Image prefixes every organization may run. */
        Optional<List<String>> allowed();

        /** An organization's own image prefixes, {@code <org-id>=<prefix>}, an entry per prefix. */
        Optional<List<String>> org();
    }

    interface TierConfig {
        double cpus();

        long memoryMb();

        Duration timeout();

        long pids();

        long maxOutputBytes();

        @WithDefault("false")
        boolean network();
    }
}
