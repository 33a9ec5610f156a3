package dev.warden.launcher.gateway;

import java.time.Duration;
import java.util.Optional;

/** Whether a service the gateway routes to takes requests now, as the launcher's supervisor knows it. */
@FunctionalInterface
public interface ServiceStatus {

    /** Empty while the service is up; else how long a client should wait before trying again (its Retry-After). */
    Optional<Duration> retryAfter(String service);
}
