package dev.warden.tenancy.security;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The roles of DESIGN.md. A role implies the roles below it: admin is also operator, viewer and auditor;
 * operator is also viewer; auditor is also viewer. platform-admin and instance imply nothing.
 */
public final class Roles {

    public static final String VIEWER = "viewer";
    public static final String OPERATOR = "operator";
    public static final String ADMIN = "admin";
    public static final String AUDITOR = "auditor";
    public static final String INSTANCE = "instance";
    public static final String PLATFORM_ADMIN = "platform-admin";

    /** Roles an API key may carry; platform-admin comes only from the identity provider or the bootstrap key. */
    public static final Set<String> ORG_ROLES = Set.of(VIEWER, OPERATOR, ADMIN, AUDITOR, INSTANCE);

    private Roles() {
    }

    public static Set<String> expand(Collection<String> granted) {
        Set<String> roles = new LinkedHashSet<>();
        for (String role : granted) {
            roles.add(role);
            switch (role) {
                case ADMIN -> roles.addAll(Set.of(OPERATOR, VIEWER, AUDITOR));
                case OPERATOR, AUDITOR -> roles.add(VIEWER);
                default -> {
                }
            }
        }
        return roles;
    }
}
