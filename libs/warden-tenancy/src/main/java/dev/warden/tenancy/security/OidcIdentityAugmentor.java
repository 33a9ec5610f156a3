package dev.warden.tenancy.security;

import dev.warden.api.UnavailableException;

import dev.warden.api.CredentialFormRefused;
import dev.warden.api.ErrorMappers;
import dev.warden.api.StorableValues;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads the organization and roles of a bearer token from the configured claims, and from nothing else: roles that
 * Quarkus derived from other claims (such as {@code groups}) are dropped. A token whose org claim is not a UUID
 * carries no organization and no organization role. A token with {@code platform-admin} is a platform
 * administrator only: its organization claim and other roles are ignored, so it reads and writes no
 * organization's data.
 * <p>
 * The organization a token names must be one this service's {@link AccessDirectory} shows active, as an API key's
 * must: a disabled organization's tokens went on reading and writing (and minting API keys that came back to life
 * when it was enabled), and a token naming no organization at all was served as a tenant of its own. One not shown
 * active is asked of the broker first (an organization created or enabled a moment ago), as a new API key is; then it
 * is a 401 saying why.
 */
@ApplicationScoped
public class OidcIdentityAugmentor implements SecurityIdentityAugmentor {

    private final SecurityConfig config;
    private final AccessDirectory directory;

    public OidcIdentityAugmentor(SecurityConfig config, AccessDirectory directory) {
        this.config = config;
        this.directory = directory;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Uni.createFrom().item(identity);
        }
        // An access token only: Keycloak's ID, refresh and logout tokens carry a typ claim of their own, and an ID token
        // was taken as a bearer credential (other providers put no typ in the payload, and are not affected)
        Object typ = token.getClaim("typ");
        String type = typ instanceof jakarta.json.JsonString s ? s.getString() : typ == null ? null : typ.toString();
        if (type != null && !type.equalsIgnoreCase("Bearer") && !type.equalsIgnoreCase("at+jwt")) {
            return Uni.createFrom().failure(CredentialFormRefused.because("The token is not an access token (typ "
                    + type + ")"));
        }
        String refused = principalRefusal(token.getName());
        if (refused != null) {
            return Uni.createFrom().failure(CredentialFormRefused.because(refused));
        }
        List<String> roles = new ArrayList<>(claimPath(token, config.rolesClaim()));
        if (roles.contains(Roles.PLATFORM_ADMIN)) {
            // A platform administrator runs the platform, never an organization: whatever else the token says.
            return Uni.createFrom().item(forbiddenBecause(Identities.of(token, List.of(Roles.PLATFORM_ADMIN), null,
                    "bearer", identity), "A platform administrator's token reads and writes no organization's data,"
                    + " whatever other roles it carries: use a token of the organization"));
        }
        roles.retainAll(Roles.ORG_ROLES);
        UUID org = parseOrg(token.getClaim(config.orgClaim()));
        if (org == null) {
            return Uni.createFrom().item(forbiddenBecause(Identities.of(token, List.of(), null, "bearer", identity),
                    "The token names no organization: its claim " + config.orgClaim()
                            + " is missing or not an organization's id"));
        }
        SecurityIdentity base = !roles.isEmpty() ? identity : forbiddenBecause(identity, "The token carries none of"
                + " Warden's roles (" + String.join(", ", Roles.ORG_ROLES.stream().sorted().toList()) + ") in its claim "
                + config.rolesClaim());
        if (directory.organizationActive(org)) {
            return Uni.createFrom().item(Identities.of(token, roles, org, "bearer", base));
        }
        return directory.current(config.newKeyWait()).onFailure().recoverWithNull().map(caughtUp -> {
            if (!directory.organizationActive(org)) {
                if (!directory.caughtUp()) {
                    // Still reading the access topic since this replica started: it cannot say (ApiKeyIdentityProvider)
                    throw new UnavailableException(ApiKeyIdentityProvider.STARTING, null);
                }
                throw CredentialFormRefused.because("The token's organization (" + config.orgClaim() + " " + org
                        + ") is unknown or disabled");
            }
            return Identities.of(token, roles, org, "bearer", base);
        });
    }

    /**
     * Why a token's principal name cannot name its user in Warden, or null when it can. The name is the actor of what
     * the token does (audit entries, {@code created_by}): one that reads as a name Warden gives its own credentials
     * would act under that credential's name, and one PostgreSQL cannot store, or that is not one line as every other
     * name Warden keeps ({@code Checks.isOneLine}: no control, invisible or direction characters), would fail, forge or
     * disguise what records it.
     */
    static String principalRefusal(String name) {
        String fix = ": rename the user at the identity provider, or name users by another claim"
                + " (QUARKUS_OIDC_TOKEN_PRINCIPAL_CLAIM, such as sub)";
        if (name == null || name.isBlank()) {
            return "The token's user name is empty (its upn, preferred_username or sub, or the configured principal"
                    + " claim)";
        }
        if (Identities.readsAsWardensOwn(name)) {
            return "The token's user name reads as one Warden gives its own credentials (api-key:, enrollment-token:,"
                    + " instance:, platform)" + fix;
        }
        if (!StorableValues.storable(name) || !dev.warden.api.Checks.isOneLine(name) || name.length() > 255) {
            return "The token's user name holds control, invisible or direction characters or unpaired surrogates, or is"
                    + " over 255 characters" + fix;
        }
        return null;
    }

    /** {@code identity}, whose 403s say {@code reason} ({@link ErrorMappers#FORBIDDEN_BECAUSE}). */
    private static SecurityIdentity forbiddenBecause(SecurityIdentity identity, String reason) {
        return QuarkusSecurityIdentity.builder(identity).addAttribute(ErrorMappers.FORBIDDEN_BECAUSE, reason).build();
    }

    private static List<String> claimPath(JsonWebToken token, String path) {
        String[] parts = path.split("/");
        Object value = token.getClaim(parts[0]);
        for (int i = 1; i < parts.length && value != null; i++) {
            value = value instanceof Map<?, ?> map ? map.get(parts[i])
                    : value instanceof jakarta.json.JsonObject json ? json.get(parts[i]) : null;
        }
        List<String> out = new ArrayList<>();
        if (value instanceof Iterable<?> items) {
            for (Object item : items) {
                out.add(item instanceof jakarta.json.JsonString s ? s.getString() : String.valueOf(item));
            }
        } else if (value instanceof String s) {
            out.add(s);
        }
        return out;
    }

    private static UUID parseOrg(Object claim) {
        String raw = claim instanceof jakarta.json.JsonString s ? s.getString() : claim == null ? null : claim.toString();
        try {
            return raw == null ? null : UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
