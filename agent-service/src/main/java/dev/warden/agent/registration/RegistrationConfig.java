package dev.warden.agent.registration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;

@ConfigMapping(prefix = "warden.registration")
public interface RegistrationConfig {

    /** How long a challenge may be used (seed 004: five minutes). */
    @WithDefault("PT5M")
    Duration challengeTtl();

    /** The capability names an organization may grant (seed 004's eight). */
    @WithDefault("file_access,internet_access,browser_control,api_call,mail_send,code_execution,system_command,agent_communication")
    List<String> availableCapabilities();

    /** How long a registration waits for a decision; then it expires and its key may ask again. */
    @WithDefault("P7D")
    Duration pendingTtl();

    /** How often the leader looks for registrations past {@link #pendingTtl()}. */
    @WithDefault("PT1M")
    Duration expirySweepInterval();

    /** Open registration: calls without a credential one source address may make a minute (challenge and register). */
    @WithDefault("10")
    int openRatePerMinute();

    /**
     * Each capability's weight in a registration's risk score (the sum, at most 100), which auto-approval rules may
     * cap. A capability without a weight counts as 100, so an unweighted capability never passes a ceiling.
     */
    Map<String, Integer> capabilityRisk();

    /** The risk score of asking for {@code capabilities}: the sum of their weights, at most 100. */
    default int riskScore(List<String> capabilities) {
        int sum = 0;
        for (String capability : capabilities) {
            sum += capabilityRisk().getOrDefault(capability, 100);
        }
        return Math.min(100, sum);
    }
}
