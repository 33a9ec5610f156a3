package dev.warden.tenancy.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "warden.security")
public interface SecurityConfig {

    /** The token claim holding the organization id. */
    @WithDefault("org_id")
    String orgClaim();

    /** The token claim holding the roles; a path separated by '/'. */
    @WithDefault("realm_access/roles")
    String rolesClaim();

    /** SHA-256 (hex) of a platform-admin API key accepted by every service, for bootstrap without an identity provider. */
    Optional<String> platformApiKeySha256();

    /**
     * How long a request with an API key this service does not know (yet) waits for its access directory to read the
     * access topic up to the end the broker reports, before the key is refused (401): a key created a moment ago works
     * from its {@code 201} on.
     */
    @WithDefault("2s")
    Duration newKeyWait();
}
