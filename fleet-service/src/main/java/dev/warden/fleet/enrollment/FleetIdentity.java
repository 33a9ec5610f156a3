package dev.warden.fleet.enrollment;

import dev.warden.api.ApiException;
import dev.warden.tenancy.security.Identities;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

import java.util.Set;
import java.util.UUID;

/** The identities of fleet-service's own secrets: an enrolment token, or an instance's credential. */
public final class FleetIdentity {

    /** Held by an enrolment token: it may register instances, nothing else. */
    public static final String ENROLLEE = "enrollee";
    static final String TOKEN_ATTRIBUTE = "warden.fleet.token_id";
    static final String INSTANCE_ATTRIBUTE = "warden.fleet.instance_id";
    static final String AGENT_ATTRIBUTE = Identities.AGENT_ATTRIBUTE;

    private FleetIdentity() {
    }

    static SecurityIdentity token(UUID tokenId, UUID org, UUID agentId) {
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder(Identities.of(
                () -> Identities.enrollmentTokenPrincipal(tokenId), Set.of(ENROLLEE), org, "enrollment-token", null))
                .addAttribute(TOKEN_ATTRIBUTE, tokenId);
        if (agentId != null) {
            b.addAttribute(AGENT_ATTRIBUTE, agentId);
        }
        return b.build();
    }

    static SecurityIdentity instance(String instanceId, UUID org, UUID agentId) {
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder(Identities.of(
                () -> Identities.instancePrincipal(instanceId), Set.of(dev.warden.tenancy.security.Roles.INSTANCE), org,
                "instance-credential", null))
                .addAttribute(INSTANCE_ATTRIBUTE, instanceId);
        if (agentId != null) {
            b.addAttribute(AGENT_ATTRIBUTE, agentId);
        }
        return b.build();
    }

    /** The enrolment token the caller authenticated with, or null. */
    public static UUID tokenId(SecurityIdentity identity) {
        return identity.getAttribute(TOKEN_ATTRIBUTE);
    }

    /** The instance whose credential the caller authenticated with, or null. */
    public static String instanceId(SecurityIdentity identity) {
        return identity.getAttribute(INSTANCE_ATTRIBUTE);
    }

    /**
     * Checks a call on the instance {@code id} names, which only the instance itself (its own credential) or a holder
     * of {@code role} may make: 403 for any other caller ({@code refusal}), an API key of the instance role too, which
     * is no instance's credential; 404 for an id no instance has, or another instance's. Answers the caller's own
     * instance id, or null for a holder of the role.
     */
    public static String requireItselfOr(SecurityIdentity identity, String role, String id, String refusal) {
        String own = instanceId(identity);
        if (own == null && !identity.hasRole(role)) {
            throw ApiException.forbidden(refusal);
        }
        if (!FleetSecrets.INSTANCE_ID.matcher(id).matches() || own != null && !own.equals(id)) {
            throw ApiException.notFound("Agent");
        }
        return own;
    }

    /** The agent an enrolment token is pinned to, or an instance runs; null when none. */
    public static UUID agentId(SecurityIdentity identity) {
        return identity.getAttribute(AGENT_ATTRIBUTE);
    }
}
