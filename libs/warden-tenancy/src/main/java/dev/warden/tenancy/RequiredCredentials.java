package dev.warden.tenancy;

import java.util.List;

/**
 * Credentials a service needs beyond the database and Kafka ones every service has: a bean implementing it is asked
 * by {@link CredentialsCheck} at start (outside dev and test), so that one refusal names everything missing.
 */
public interface RequiredCredentials {

    /** The environment variables (with a word of what each is) that are missing; empty when none is. */
    List<String> missing();
}
