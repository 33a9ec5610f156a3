package dev.warden.tenancy.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

import java.security.Principal;
import java.util.Collection;
import java.util.UUID;

/** Builds and reads the identities Warden works with: a principal, expanded roles and, for org members, an org. */
public final class Identities {

    public static final String ORG_ATTRIBUTE = "warden.org_id";
    public static final String CREDENTIAL_ATTRIBUTE = "warden.credential";
    /** The governed agent a fleet instance's credential is bound to (absent for every other identity). */
    public static final String AGENT_ATTRIBUTE = "warden.agent_id";

    /** How an API key's principal, and so the actor of what it does, is named: {@code api-key:<key id>}. */
    public static final String API_KEY_PRINCIPAL = "api-key:";

    private Identities() {
    }

    /** The principal name of the API key with this id. */
    public static String apiKeyPrincipal(UUID keyId) {
        return API_KEY_PRINCIPAL + keyId;
    }

    /** The API key a principal (an actor) names, or null when it is no API key's. */
    public static UUID apiKeyOf(String principal) {
        return principal != null && principal.startsWith(API_KEY_PRINCIPAL)
                ? UUID.fromString(principal.substring(API_KEY_PRINCIPAL.length())) : null;
    }

    /**
     * An identity with exactly these roles (expanded). From {@code base} it keeps credentials and attributes, never
     * roles: only what Warden read from the configured claim grants anything.
     */
    public static SecurityIdentity of(Principal principal, Collection<String> roles, UUID orgId, String credential,
                                      SecurityIdentity base) {
        QuarkusSecurityIdentity.Builder builder = QuarkusSecurityIdentity.builder();
        if (base != null) {
            builder.addCredentials(base.getCredentials()).addAttributes(base.getAttributes());
        }
        builder.setPrincipal(principal).addRoles(Roles.expand(roles)).addAttribute(CREDENTIAL_ATTRIBUTE, credential);
        if (orgId != null) {
            builder.addAttribute(ORG_ATTRIBUTE, orgId);
        }
        return builder.build();
    }

    /** The agent an instance credential is bound to, or null. */
    public static UUID agent(SecurityIdentity identity) {
        return identity.getAttribute(AGENT_ATTRIBUTE);
    }

    public static UUID org(SecurityIdentity identity) {
        return identity.getAttribute(ORG_ATTRIBUTE);
    }
}
