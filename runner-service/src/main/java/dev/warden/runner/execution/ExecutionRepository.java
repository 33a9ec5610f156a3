package dev.warden.runner.execution;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.warden.api.PageRequest;
import dev.warden.events.EventJson;
import dev.warden.runner.engine.Limits;
import dev.warden.runner.engine.Outcome;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code executions} table; Row-Level Security scopes every statement to the transaction's organization. */
@ApplicationScoped
public class ExecutionRepository {

    private static final String COLUMNS = "id, agent_id, version, image, image_digest, tier, limits::text AS limits, status, "
            + "exit_code, duration_ms, stdout::text AS stdout, stderr::text AS stderr, truncated, error, created_by, "
            + "created_at, finished_at";
    private static final TypeReference<List<String>> LINES = new TypeReference<>() {
    };

    public Uni<Void> insert(SqlConnection conn, UUID org, Execution e, String instance) {
        return conn.preparedQuery("""
                        INSERT INTO executions (id, org_id, agent_id, version, image, tier, limits, status, created_by,
                            created_at, updated_at, instance)
                        VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8, $9, $10, $10, $11)""")
                .execute(Tuple.from(List.<Object>of(e.executionId(), org, e.agentId(), e.version(), e.image(),
                        e.limits().tier(), Rows.jsonText(e.limits()), e.status().toString(), e.requestedBy(),
                        Rows.utc(e.startedAt()), instance)))
                .replaceWithVoid();
    }

    /**
     * How many runs of the transaction's organization are recorded as running, started after {@code since}, counted
     * once every other transaction starting one of its runs has ended: starts of one organization's runs take an
     * advisory lock held to the end of their transaction, so two replicas never both count room for one more. (Two
     * statements: a statement sees what was committed when it began, so a count in the statement that waits for the
     * lock would miss the run of the transaction it waited for.)
     */
    public Uni<Long> runningOfOrganization(SqlConnection conn, UUID org, Instant since) {
        return Rows.lockUntilCommit(conn, "warden.runner.runs:" + org)
                .chain(() -> conn.preparedQuery("SELECT count(*) FROM executions WHERE status = 'running' AND created_at > $1")
                        .execute(Tuple.of(Rows.utc(since))))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** In platform scope: the executions {@code instance} started before {@code before} and never finished. */
    public Uni<List<Orphaned>> unfinished(SqlConnection conn, String instance, Instant before) {
        return conn.preparedQuery("""
                        SELECT org_id, id FROM executions
                        WHERE status = 'running' AND instance = $1 AND created_at < $2""")
                .execute(Tuple.of(instance, Rows.utc(before)))
                .map(rows -> Rows.all(rows, r -> new Orphaned(r.getUUID("org_id"), r.getUUID("id"))));
    }

    /** In platform scope: the instance names of the runs recorded as {@code running}, {@code except}'s excepted. */
    public Uni<List<String>> runningInstances(SqlConnection conn, String except) {
        return conn.preparedQuery("SELECT DISTINCT instance FROM executions WHERE status = 'running' AND instance <> $1")
                .execute(Tuple.of(except))
                .map(rows -> Rows.all(rows, r -> r.getString("instance")));
    }

    public record Orphaned(UUID orgId, UUID executionId) {
    }

    /** Records the outcome of a run still {@code running}; answers whether it was (a reaped run is not finished twice). */
    public Uni<Boolean> finish(SqlConnection conn, Execution e, String stdoutSha256, String stderrSha256) {
        Object[] values = {e.executionId(), e.status().toString(), e.exitCode(), e.durationMs(),
                Rows.jsonText(e.stdout()), Rows.jsonText(e.stderr()), e.stdout().size(), e.stderr().size(), stdoutSha256,
                stderrSha256, e.truncated(), e.error(), e.imageDigest(), Rows.utc(e.finishedAt())};
        return conn.preparedQuery("""
                        UPDATE executions SET status = $2, exit_code = $3, duration_ms = $4, stdout = $5::text::jsonb,
                            stderr = $6::text::jsonb, stdout_lines = $7, stderr_lines = $8, stdout_sha256 = $9,
                            stderr_sha256 = $10, truncated = $11, error = $12, image_digest = $13, finished_at = $14,
                            updated_at = $14
                        WHERE id = $1 AND status = 'running'""")
                .execute(Tuple.from(Arrays.asList(values)))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Optional<Execution>> find(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM executions WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
    }

    /**
     * A page of an agent's executions, oldest first: at most {@code page.limit()} of them, and no more than fit in
     * {@code outputBytes} of recorded output (always at least one), so that a page of runs that each printed up to
     * their cap stays a bounded answer; {@code next_cursor} goes on from there. The sizes are read first, without the
     * output, along the same index.
     */
    public Uni<ListQuery.Page<Execution>> listByAgent(SqlConnection conn, UUID agentId, PageRequest page, long outputBytes) {
        return byAgent("output_bytes", agentId, page).items(conn, page.limit(), r -> r.getLong(0))
                .chain(sizes -> byAgent(COLUMNS, agentId, page)
                        .page(conn, fitting(sizes, outputBytes), ExecutionRepository::map));
    }

    private static ListQuery byAgent(String columns, UUID agentId, PageRequest page) {
        return ListQuery.select(columns, "executions")
                .where("agent_id = ?", agentId)
                .updatedSince("updated_at", page.updatedSince())
                .byTimeAfter("created_at", "id", page.after());
    }

    /** How many of the first {@code sizes} fit in {@code budget} bytes: at least one, and one if there are none. */
    static int fitting(List<Long> sizes, long budget) {
        long used = 0;
        int n = 0;
        for (Long size : sizes) {
            used += size == null ? 0 : size;
            if (n > 0 && used > budget) {
                break;
            }
            n++;
        }
        return Math.max(n, 1);
    }

    static Execution map(Row r) {
        String stdout = r.getString("stdout");
        String stderr = r.getString("stderr");
        return new Execution(r.getUUID("id"), Outcome.parse(r.getString("status")), r.getInteger("exit_code"),
                r.getLong("duration_ms"), lines(stdout), lines(stderr), r.getBoolean("truncated"), r.getUUID("agent_id"),
                r.getInteger("version"), r.getString("image"), r.getString("image_digest"),
                readLimits(r.getString("limits")), r.getString("error"), r.getString("created_by"),
                Rows.instant(r, "created_at"), r.getValue("finished_at") == null ? null : Rows.instant(r, "finished_at"));
    }

    private static List<String> lines(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return EventJson.MAPPER.readValue(json, LINES);
        } catch (Exception e) {
            throw new IllegalStateException("stored output is not a JSON array", e);
        }
    }

    private static Limits readLimits(String json) {
        try {
            return EventJson.MAPPER.readValue(json, Limits.class);
        } catch (Exception e) {
            throw new IllegalStateException("stored limits are not JSON", e);
        }
    }
}
