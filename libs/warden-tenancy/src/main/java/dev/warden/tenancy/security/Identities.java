package dev.warden.tenancy.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

import java.security.Principal;
import java.text.Normalizer;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** Builds and reads the identities Warden works with: a principal, expanded roles and, for org members, an org. */
public final class Identities {

    public static final String ORG_ATTRIBUTE = "warden.org_id";
    public static final String CREDENTIAL_ATTRIBUTE = "warden.credential";
    /** The governed agent a fleet instance's credential is bound to (absent for every other identity). */
    public static final String AGENT_ATTRIBUTE = "warden.agent_id";

    /** How an API key's principal, and so the actor of what it does, is named: {@code api-key:<key id>}. */
    public static final String API_KEY_PRINCIPAL = "api-key:";
    /** A fleet enrolment token's principal: {@code enrollment-token:<token id>}. */
    public static final String ENROLLMENT_TOKEN_PRINCIPAL = "enrollment-token:";
    /** A fleet instance credential's principal: {@code instance:<instance id>}. */
    public static final String INSTANCE_PRINCIPAL = "instance:";
    /** The platform's bootstrap key (the launcher's, or a deployment's first). */
    public static final String PLATFORM_KEY_PRINCIPAL = "platform-bootstrap-key";
    /** The actor of what the platform itself does (an organization created, disabled, enabled). */
    public static final String PLATFORM_ACTOR = "platform";

    /** The prefixes of the names Warden gives its own credentials, and its own names. */
    private static final List<String> OWN_PREFIXES = List.of(API_KEY_PRINCIPAL, ENROLLMENT_TOKEN_PRINCIPAL,
            INSTANCE_PRINCIPAL);
    private static final List<String> OWN_NAMES = List.of(PLATFORM_KEY_PRINCIPAL, PLATFORM_ACTOR);

    private Identities() {
    }

    /** The principal name of the API key with this id. */
    public static String apiKeyPrincipal(UUID keyId) {
        return API_KEY_PRINCIPAL + keyId;
    }

    public static String enrollmentTokenPrincipal(UUID tokenId) {
        return ENROLLMENT_TOKEN_PRINCIPAL + tokenId;
    }

    public static String instancePrincipal(String instanceId) {
        return INSTANCE_PRINCIPAL + instanceId;
    }

    /**
     * Whether {@code name} reads as one of the names Warden gives its own credentials and itself (an API key's, an
     * enrolment token's, an instance's, the platform's), in any case, with any surrounding white space and after
     * compatibility folding (a full-width colon reads as a colon). A bearer token's principal name is an actor in the
     * audit trail, so a user the identity provider names {@code api-key:<id>} or {@code platform} would act under that
     * credential's name, and Warden took it for that key where it looks a key up by its principal.
     */
    public static boolean readsAsWardensOwn(String name) {
        String folded = Normalizer.normalize(name, Normalizer.Form.NFKC).strip().toLowerCase(Locale.ROOT);
        return OWN_NAMES.contains(folded) || OWN_PREFIXES.stream().anyMatch(folded::startsWith);
    }

    /** The API key a principal (an actor) names, or null when it is no API key's. */
    public static UUID apiKeyOf(String principal) {
        return principal != null && principal.startsWith(API_KEY_PRINCIPAL)
                ? UUID.fromString(principal.substring(API_KEY_PRINCIPAL.length())) : null;
    }

    /** The API key the caller authenticated with, or null when its credential is no API key. */
    public static UUID apiKey(SecurityIdentity identity) {
        return "api-key".equals(identity.getAttribute(CREDENTIAL_ATTRIBUTE))
                ? apiKeyOf(identity.getPrincipal().getName()) : null;
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
