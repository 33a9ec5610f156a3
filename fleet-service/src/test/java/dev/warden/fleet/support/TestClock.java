package dev.warden.fleet.support;

import dev.warden.fleet.FleetClock;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import java.time.Duration;
import java.time.Instant;

/** The system clock plus an offset the tests move forward: liveness is driven, never waited for. */
@Alternative
@Priority(1)
@ApplicationScoped
public class TestClock extends FleetClock {

    private volatile Duration offset = Duration.ZERO;

    @Override
    public Instant now() {
        return super.now().plus(offset);
    }

    public void advance(Duration by) {
        offset = offset.plus(by);
    }
}
