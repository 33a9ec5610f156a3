package dev.warden.tenancy;

/**
 * The order of the {@code StartupEvent} observers of every service, and of the {@code ShutdownEvent} observers that
 * must go first, lowest first:
 * {@code void onStart(@Observes @Priority(StartupOrder.LEADER_JOBS) StartupEvent event)}. Observers that need
 * nothing of the others keep the default priority and run after all of these.
 */
public final class StartupOrder {

    /** Schema migrations: before anything reads or writes the database. */
    public static final int MIGRATIONS = 10;

    /** Rows a service needs before its jobs run, e.g. the public key that signs audit checkpoints. */
    public static final int SERVICE_DATA = 20;

    /** Once-per-cluster background jobs (outbox relay, audit publisher, checkpoint signing): publishing starts first. */
    public static final int LEADER_JOBS = 50;

    /**
     * What a replica must hold of its own before it serves, taken by a leader job started just before (runner-service's
     * instance name): waited for, within a bound, before the consumers start.
     */
    public static final int LEASES = 55;

    /** Kafka consumers: they may write events, which the leader jobs then publish. */
    public static final int CONSUMERS = 60;

    /** Seed data written through the services (the bootstrap organization), once everything above runs. */
    public static final int BOOTSTRAP = 100;

    /**
     * At shutdown, lowest first too: what starts consumers (registry-service's projection watcher) stops before the
     * consumers close, so that none starts meanwhile.
     */
    public static final int STOP_CONSUMER_STARTERS = 90;

    /** At shutdown: the Kafka consumers close before the rest of the service (the default priority) goes. */
    public static final int STOP_CONSUMERS = 100;

    private StartupOrder() {
    }
}
