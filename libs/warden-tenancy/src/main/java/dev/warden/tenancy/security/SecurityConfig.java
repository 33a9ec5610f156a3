package dev.warden.tenancy.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
}
