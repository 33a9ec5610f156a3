package dev.warden.tenancy.security;

import dev.warden.api.ApiException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;

import java.util.UUID;

/** Who is making this request and for which organization. */
@RequestScoped
public class CurrentActor {

    private final SecurityIdentity identity;

    public CurrentActor(SecurityIdentity identity) {
        this.identity = identity;
    }

    /** The caller's organization; a caller that belongs to none (a platform admin) is refused. */
    public UUID org() {
        UUID org = Identities.org(identity);
        if (org == null) {
            throw ApiException.forbidden("This credential belongs to no organization");
        }
        return org;
    }

    /** Whether the caller holds {@code role} (roles imply the ones below them, see {@link Roles}). */
    public boolean has(String role) {
        return identity.hasRole(role);
    }

    /** A stable name for audit fields such as {@code deployed_by}: the token subject or {@code api-key:<id>}. */
    public String name() {
        return identity.getPrincipal().getName();
    }
}
