package dev.warden.outbox;

import java.sql.Connection;

/**
 * A {@link LeaderJob} done {@linkplain LeaderJob#once() once per process}: a start-up task that must not run on two
 * replicas at once, which each replica does in turn (after an upgrade: runner-service's version configs read again,
 * agent-service's stored configs checked for secrets). A failed task is tried again after a backoff.
 */
public abstract class StartupJob implements LeaderJob {

    private final String name;
    private final long lockId;

    protected StartupJob(String name, long lockId) {
        this.name = name;
        this.lockId = lockId;
    }

    /** The task, on the job's own thread (it may block); it holds the lock, not the connection it is given. */
    protected abstract void run();

    @Override
    public String name() {
        return name;
    }

    @Override
    public long lockId() {
        return lockId;
    }

    @Override
    public boolean once() {
        return true;
    }

    @Override
    public boolean runOnce(Connection conn) {
        try {
            run();
        } catch (RuntimeException e) {
            throw new RetryLater(name + " failed: " + e.getMessage());
        }
        return false;
    }
}
