package dev.warden.tenancy.db;

import dev.warden.api.ApiException;
import dev.warden.api.UnavailableException;
import dev.warden.tenancy.health.Outages;
import io.netty.channel.ChannelHandlerContext;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.impl.Connection;
import io.vertx.sqlclient.impl.SocketConnectionBase;
import io.vertx.sqlclient.impl.SqlConnectionInternal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The only way services reach their database: every transaction first tells PostgreSQL whose data it works on,
 * and Row-Level Security does the rest. A query that forgets {@code WHERE org_id} still sees one organization.
 */
@ApplicationScoped
public class TenantDb {

    private static final Logger LOG = Logger.getLogger(TenantDb.class);
    /** What a leased connection meets (see {@link #started}); one handler for every lease, none made per request. */
    private static final java.util.function.Consumer<Throwable> CONNECTION_FAILED =
            e -> LOG.debugf("A connection of the pool failed: %s", e.toString());

    /** Where a transaction stands against its start deadline: decided once, by whichever comes first. */
    private enum Start { PENDING, BEGUN, ABANDONED }

    private final Vertx vertx;
    private final Pool pool;
    private final Duration startTimeout;
    /** Each organization's transactions take turns (at most the pool's size started at once); none for the platform. */
    private final OrgTurns turns;
    /** The wake-ups its transactions ask for ({@link AfterCommit#notifyListeners}), sent once they commit. */
    private final AfterCommit afterCommit;

    /**
     * {@code warden.db.start-timeout}: how long a transaction may take to get a connection and have PostgreSQL answer its
     * {@code BEGIN}. A database that stops answering without closing anything (a hung server, a network dropping
     * packets) then costs a request this long before its 503, not the pool's 30 s. Only the start is bounded: once
     * PostgreSQL has answered, the work may take as long as it needs (a chain verification, a compliance package).
     */
    @Inject
    public TenantDb(Vertx vertx, Pool pool, DbConfig config,
                    @ConfigProperty(name = "quarkus.datasource.reactive.max-size", defaultValue = "20") int poolSize) {
        this(vertx, pool, config.startTimeout(), poolSize);
    }

    /** For a pool of at most {@code poolSize} connections: as many of one organization's transactions start at once. */
    public TenantDb(Vertx vertx, Pool pool, Duration startTimeout, int poolSize) {
        this.vertx = vertx;
        this.pool = pool;
        this.startTimeout = startTimeout;
        this.turns = new OrgTurns(poolSize);
        this.afterCommit = new AfterCommit(pool);
    }

    /**
     * Runs {@code work} in one transaction scoped to {@code orgId}; on a request that asked for it
     * ({@link #requireCallerInForce}), the caller's credential is checked in the same message.
     */
    public <T> Uni<T> inOrg(UUID orgId, Function<SqlConnection, Uni<T>> work) {
        // A UUID's text is hex and dashes only, so it can stand in the statement itself.
        return transaction(orgId, "BEGIN; SELECT set_config('warden.org_id', '" + orgId + "', true)" + callerCheck(orgId),
                work);
    }

    /** How many of {@code org}'s transactions wait for their turn on this replica. */
    int turnsWaiting(UUID org) {
        return turns.waiting(org);
    }

    private static final String CALLER_IN_FORCE = "warden.caller-in-force";
    /** The SQLSTATE {@code warden_caller_in_force} raises. */
    private static final String NOT_IN_FORCE = "WDN01";

    /**
     * For the rest of the current request, its transactions scoped to {@code org} first check, in the database and in
     * the message that begins them (no round trip of its own), that the caller's credential is in force there: the
     * organization active and, for an API key ({@code apiKey}; null for a bearer token), the key unrevoked and
     * unexpired. Else the request is a 401 and the transaction does nothing. For the service that keeps keys and
     * organizations (agent-service, whose {@code warden_caller_in_force} reads them): its access directory, like every
     * other replica's, learns of a revocation answered by another replica a few milliseconds later, and its writes
     * must not follow a revocation's {@code 200}. {@code request} is the request's own (duplicated) Vert.x context.
     */
    public static void requireCallerInForce(Context request, UUID org, UUID apiKey) {
        if (!VertxContext.isDuplicatedContext(request)) {
            throw new IllegalStateException("not a request's context");
        }
        request.putLocal(CALLER_IN_FORCE, new CallerInForce(org, apiKey));
    }

    private record CallerInForce(UUID org, UUID apiKey) {
        String statement() {
            return "; SELECT warden_caller_in_force(" + (apiKey == null ? "NULL" : "'" + apiKey + "'") + "::uuid)";
        }
    }

    /** The check {@link #requireCallerInForce} asked for transactions in {@code org}, if this is such a request's. */
    private static String callerCheck(UUID org) {
        Context current = Vertx.currentContext();
        if (current == null || !VertxContext.isDuplicatedContext(current)) {
            return "";
        }
        CallerInForce caller = current.getLocal(CALLER_IN_FORCE);
        return caller != null && caller.org().equals(org) ? caller.statement() : "";
    }

    private static boolean notInForce(Throwable failure) {
        return failure instanceof PgException pg && NOT_IN_FORCE.equals(pg.getSqlState());
    }

    /** Within a platform transaction, scopes what follows to one organization (e.g. its first API key). */
    public static Uni<Void> scopeTo(SqlConnection conn, UUID orgId) {
        return conn.preparedQuery("SELECT set_config('warden.org_id', $1, true)")
                .execute(Tuple.of(orgId.toString())).replaceWithVoid();
    }

    /** Runs {@code work} in one transaction over platform tables (organizations, outbox), which span organizations. */
    public <T> Uni<T> asPlatform(Function<SqlConnection, Uni<T>> work) {
        return transaction(null, "BEGIN; SELECT set_config('warden.platform', 'on', true)", work);
    }

    /**
     * BEGIN and the scope go to PostgreSQL as one message, and the work's first statement is pipelined right behind
     * them on the same connection: a one-statement read costs two round trips (BEGIN, scope and the statement; then
     * COMMIT) instead of four with {@code Pool.withTransaction}. Safe by PostgreSQL's own rule: inside a transaction
     * block, once a statement fails every later one is refused (25P02), so nothing can run unscoped after a failed
     * scope. The setting is transaction-local: a pooled connection never carries one request's organization into the
     * next.
     */
    private <T> Uni<T> transaction(UUID org, String beginAndScope, Function<SqlConnection, Uni<T>> work) {
        // Each subscription is a transaction of its own, with its own start: a retry subscribes again (OutageRetry),
        // and found the state of the attempt before it (begun, or abandoned at the deadline), failing at once unsent.
        return Uni.createFrom().deferred(() -> started(org, beginAndScope, work));
    }

    private <T> Uni<T> started(UUID org, String beginAndScope, Function<SqlConnection, Uni<T>> work) {
        AtomicReference<Start> start = new AtomicReference<>(Start.PENDING);
        Uni<T> tx = pool.withConnection(conn -> {
            // What the connection meets while leased (the server gone: 57P01, a reset) fails its statements too, and
            // is answered from there; without a handler Vert.x printed each to standard error, outside the log format
            conn.exceptionHandler(CONNECTION_FAILED);
            if (start.get() == Start.ABANDONED) {
                return Uni.createFrom().failure(notStarted()); // the connection came too late: nothing is sent
            }
            // The connection's own deadline, whatever becomes of the request (its caller may have gone already), and
            // ended by BEGIN's answer alone: a transaction that ended before it (its work failed at once, its caller
            // went) has cancelled its own subscription, not the answer, and a deadline left behind would close the
            // connection under whichever transaction has it next.
            long unanswered = vertx.setTimer(startTimeout.toMillis(), id -> discard(conn));
            Uni<RowSet<Row>> answered = conn.query(beginAndScope).execute().memoize().indefinitely();
            answered.subscribe().with(rows -> vertx.cancelTimer(unanswered), failure -> vertx.cancelTimer(unanswered));
            Uni<Void> begin = answered
                    .replaceWithVoid()
                    // Too late: the request has had its 503, so this transaction must not commit.
                    .invoke(() -> {
                        if (!start.compareAndSet(Start.PENDING, Start.BEGUN)) {
                            throw notStarted();
                        }
                    });
            Set<String> toNotify = AfterCommit.opened(conn);
            return Uni.combine().all()
                    .unis(begin, Uni.createFrom().deferred(() -> work.apply(conn)))
                    .with((begun, result) -> result)
                    .call(() -> conn.query("COMMIT").execute())
                    .invoke(() -> afterCommit.committed(toNotify))
                    .onFailure().call(() -> rollback(conn))
                    // A request abandoned half-way must not leave its transaction open on a pooled connection.
                    .onCancellation().call(() -> rollback(conn))
                    .onTermination().invoke(() -> AfterCommit.ended(conn, toNotify));
        });
        // The pool has no wait timeout of its own (DeadlineBoundPool): the deadline covers the wait for the
        // organization's turn, for a connection and the BEGIN. It fires only while the transaction has not begun; a
        // transaction that has begun is never cut short. A Vert.x timer on the caller's event loop, not
        // Uni.combine().any() with a delayed Uni: that one went through CompletableFutures and cancelled the loser
        // with two exceptions per request (docs/benchmarks.md, section 3).
        return Uni.createFrom().<T>emitter(emitter -> {
            AtomicReference<Cancellable> running = new AtomicReference<>();
            AtomicReference<OrgTurns.Turn> turn = new AtomicReference<>();
            AtomicBoolean over = new AtomicBoolean();
            long timer = vertx.setTimer(startTimeout.toMillis(), id -> {
                if (start.compareAndSet(Start.PENDING, Start.ABANDONED)) {
                    emitter.fail(notStarted());
                }
            });
            // The caller went away, or the deadline failed the request: the transaction stops (and rolls back), or
            // leaves its organization's line.
            emitter.onTermination(() -> {
                over.set(true);
                vertx.cancelTimer(timer);
                Cancellable subscription = running.get();
                if (subscription != null) {
                    subscription.cancel();
                }
                OrgTurns.Turn taken = turn.get();
                if (taken != null) {
                    taken.end();
                }
            });
            Runnable begin = () -> {
                if (over.get()) {
                    return; // ended while it waited for its turn
                }
                Cancellable subscription = tx.subscribe().with(emitter::complete, emitter::fail);
                running.set(subscription);
                if (over.get()) {
                    subscription.cancel(); // ended as it started
                }
            };
            if (org == null) {
                begin.run();
            } else {
                turn.set(turns.take(org, begin));
                if (over.get()) {
                    turn.get().end(); // ended before its place was known
                }
            }
        })
                // What a revoked key or a disabled organization meets here is the 401 it would have met at the door.
                .onFailure(TenantDb::notInForce).transform(e -> new ApiException(401, "unauthorized",
                        "Missing or invalid credentials", List.of()))
                .onFailure(Limits::reached).transform(Limits::refusal)
                // The one place every request meets the database: an outage leaves as a 503, never a 500.
                .onFailure(Outages::isOutage).transform(e -> new UnavailableException("database", e));
    }

    /**
     * Closes the connection itself, not only its lease: a connection whose {@code BEGIN} went unanswered for the whole
     * start deadline (counted from when it was sent, and kept whether or not the request is still waiting) is taken for
     * dead: a server that vanished without closing it, behind a network that drops packets. Left alone it would stay
     * taken for ever, its {@code BEGIN} never answered, and once every connection of the pool were such, every request
     * would be a 503 until a restart. Closed, its pending commands fail, its lease
     * ends and the pool opens a fresh connection in its place ({@code TenantDbStrandedTest}). A server that is merely
     * this slow loses one session.
     * <p>
     * Two things of the SQL client's (Vert.x 4.5) are stepped around here, in this one place. It has no public way to
     * close a pooled connection rather than return it, so the socket is reached through its implementation classes.
     * And its PostgreSQL codec turns a close of the channel into a polite {@code Terminate} and waits for the server to
     * hang up, which a vanished server never does (a read-idle timeout on the connection options closes the same way,
     * and was tried to no effect): the close starts at the head of the channel's pipeline, past the codec. A client of
     * another shape gets its lease closed instead, as before.
     */
    private static void discard(SqlConnection conn) {
        Connection physical = conn.getDelegate() instanceof SqlConnectionInternal internal ? internal.unwrap().unwrap() : null;
        if (physical instanceof SocketConnectionBase socket) {
            ChannelHandlerContext head = socket.socket().channelHandlerContext().pipeline().firstContext();
            if (head != null) { // null once the channel is gone already
                head.close();
            }
        } else {
            conn.close().subscribe().with(closed -> { }, failure -> { });
        }
    }

    private StartTimeoutException notStarted() {
        return new StartTimeoutException("no connection or no answer to BEGIN within " + startTimeout.toMillis() + " ms");
    }

    /** An outage to {@code Outages} (a timeout), so the request is a 503; no stack trace, it says all there is. */
    static final class StartTimeoutException extends RuntimeException {
        StartTimeoutException(String message) {
            super(message, null, false, false);
        }
    }

    private static Uni<Void> rollback(SqlConnection conn) {
        return conn.query("ROLLBACK").execute().replaceWithVoid().onFailure().recoverWithNull();
    }
}
