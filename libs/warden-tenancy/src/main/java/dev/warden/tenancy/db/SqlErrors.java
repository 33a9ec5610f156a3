package dev.warden.tenancy.db;

import io.vertx.pgclient.PgException;

/** Recognizing the database errors a service turns into a client error. */
public final class SqlErrors {

    private SqlErrors() {
    }

    public static boolean uniqueViolation(Throwable t) {
        return t instanceof PgException pg && "23505".equals(pg.getSqlState());
    }

    /** A unique violation of one named constraint or unique index. */
    public static boolean uniqueViolation(Throwable t, String constraint) {
        return uniqueViolation(t) && constraint.equals(((PgException) t).getConstraint());
    }
}
