package dev.warden.agent.registration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;

@ConfigMapping(prefix = "warden.registration")
public interface RegistrationConfig {

    /** How long a challenge may be used (seed 004: five minutes). */
    @WithDefault("PT5M")
    Duration challengeTtl();

    /** The capability names an organization may grant (seed 004's eight). */
    @WithDefault("file_access,internet_access,browser_control,api_call,mail_send,code_execution,system_command,agent_communication")
    List<String> availableCapabilities();
}
