package dev.warden.agent.registration;

import dev.warden.outbox.LeaderJob;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;

/**
 * Expires registrations nobody decided within {@code warden.registration.pending-ttl}, once per
 * {@code warden.registration.expiry-sweep-interval}, on the one replica holding the lock. Reads never wait for it: the
 * list leaves out registrations past their time and a decision on one is refused, so the sweep only records the fact.
 * Each round also forgets the source addresses whose open registration calls are all due again
 * ({@link OpenRegistration#forgetIdleAddresses()}).
 */
@ApplicationScoped
public class ExpiredRegistrations implements LeaderJob {

    private static final Logger LOG = Logger.getLogger(ExpiredRegistrations.class);
    private static final long LOCK_ID = 0x5741524452L; // "WARDR"
    private static final Duration MOST_A_ROUND_TAKES = Duration.ofMinutes(5);

    private final RegistrationService registrations;
    private final OpenRegistration open;
    private final RegistrationConfig config;

    public ExpiredRegistrations(RegistrationService registrations, OpenRegistration open, RegistrationConfig config) {
        this.registrations = registrations;
        this.open = open;
        this.config = config;
    }

    @Override
    public String name() {
        return "registration-expiry";
    }

    @Override
    public long lockId() {
        return LOCK_ID;
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.of(config.expirySweepInterval());
    }

    /** Expires on the reactive pool, waiting on the loop's own thread (never an event loop). */
    @Override
    public boolean runOnce(Connection conn) {
        try {
            int expired = registrations.expireDue().await().atMost(MOST_A_ROUND_TAKES);
            if (expired > 0) {
                LOG.infof("Expired %d registrations nobody decided within %s", expired, config.pendingTtl());
            }
            open.forgetIdleAddresses().await().atMost(MOST_A_ROUND_TAKES);
        } catch (RuntimeException e) {
            if (!Thread.currentThread().isInterrupted()) {
                LOG.warnf("Expiring registrations failed, trying again in %s: %s", config.expirySweepInterval(), e.getMessage());
            }
        }
        return false;
    }
}
