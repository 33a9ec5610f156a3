package dev.warden.fleet;

import dev.warden.tenancy.db.Rows;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

/**
 * The time fleet-service reasons with: heartbeats are stamped and the liveness sweep compares against it. One bean, so
 * tests replace it ({@code @Alternative}) and drive liveness without waiting minutes. Microseconds, as PostgreSQL keeps.
 */
@ApplicationScoped
public class FleetClock {

    public Instant now() {
        return Rows.now();
    }
}
