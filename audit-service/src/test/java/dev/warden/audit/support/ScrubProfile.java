package dev.warden.audit.support;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The chain scrub on, a round a second, each chain whole (the test profile has it off). */
public class ScrubProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("warden.audit.scrub.enabled", "true", "warden.audit.scrub.interval", "1s",
                "warden.audit.scrub.entries", "1000");
    }
}
