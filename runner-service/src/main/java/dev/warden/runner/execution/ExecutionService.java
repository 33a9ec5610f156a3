package dev.warden.runner.execution;

import dev.warden.api.ApiException;
import dev.warden.api.CallerContext;
import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.api.Slots;
import dev.warden.api.UnavailableException;
import dev.warden.events.CanonicalJson;
import dev.warden.events.EventTypes;
import dev.warden.events.agent.AgentVersion;
import dev.warden.events.execution.ExecutionEvents.ExecutionFinished;
import dev.warden.events.execution.ExecutionEvents.ExecutionLimits;
import dev.warden.events.execution.ExecutionEvents.ExecutionStarted;
import dev.warden.events.Topics;
import dev.warden.outbox.OutageRetry;
import dev.warden.outbox.Outbox;
import dev.warden.outbox.ReplayOffsets;
import dev.warden.runner.agent.AgentProjection;
import dev.warden.runner.agent.AgentRepository;
import dev.warden.runner.agent.RunnableAgent;
import dev.warden.runner.engine.ContainerEngine;
import dev.warden.runner.engine.Engines;
import dev.warden.runner.engine.InstanceLease;
import dev.warden.runner.engine.Limits;
import dev.warden.runner.engine.Outcome;
import dev.warden.runner.engine.OutputCollector;
import dev.warden.runner.engine.RunResult;
import dev.warden.runner.engine.RunSpec;
import dev.warden.runner.tier.ImagePolicy;
import dev.warden.runner.tier.RunnerConfig;
import dev.warden.runner.tier.Tiers;
import dev.warden.tenancy.db.Idempotency;
import dev.warden.tenancy.db.Rows;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.CredentialWatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Runs an agent's current image under its organization's tier: checks the agent in the projection, once it holds every
 * agent event published before the request (503 when that cannot be known in time; 404 unknown or
 * another organization's, 403 suspended, 400 no image), takes a concurrency slot (429 beyond it), records the
 * execution and its started event in one transaction, runs the container on the worker pool (never on an event-loop
 * thread), then records the outcome and its finished event in another.
 */
@ApplicationScoped
public class ExecutionService {

    private static final Logger LOG = Logger.getLogger(ExecutionService.class);
    /** The environment variable a run's container finds its version's config in. */
    public static final String CONFIG_VARIABLE = "WARDEN_AGENT_CONFIG";

    private final TenantDb db;
    private final AgentRepository agents;
    private final ExecutionRepository executions;
    private final Outbox outbox;
    private final ContainerEngine engine;
    private final Engines engines;
    private final Tiers tiers;
    private final RunLimiter limiter;
    private final LiveRuns live;
    private final String instance;
    private final ReplayOffsets offsets;
    private final CredentialWatch credentials;
    private final Duration projectionTimeout;
    private final long listOutputBytes;
    private final ImagePolicy images;
    private final InstanceLease lease;
    /** Runs whose outcome this instance recorded, by outcome; each counter there from the start, for increase(). */
    private final Map<Outcome, Counter> finished = new EnumMap<>(Outcome.class);

    public ExecutionService(TenantDb db, AgentRepository agents, ExecutionRepository executions, Outbox outbox,
                            ContainerEngine engine, Engines engines, Tiers tiers, RunLimiter limiter, LiveRuns live,
                            RunnerConfig config, ReplayOffsets offsets, CredentialWatch credentials, ImagePolicy images,
                            MeterRegistry meters, InstanceLease lease) {
        this.images = images;
        this.lease = lease;
        for (Outcome outcome : EnumSet.complementOf(EnumSet.of(Outcome.RUNNING))) {
            finished.put(outcome, Counter.builder("warden.runner.runs.finished").tag("outcome", outcome.toString())
                    .description("Runs whose outcome this instance recorded, by outcome").register(meters));
        }
        this.offsets = offsets;
        this.credentials = credentials;
        this.projectionTimeout = config.projectionTimeout();
        this.listOutputBytes = config.listOutputBytes();
        this.db = db;
        this.agents = agents;
        this.executions = executions;
        this.outbox = outbox;
        this.engine = engine;
        this.engines = engines;
        this.tiers = tiers;
        this.limiter = limiter;
        this.live = live;
        this.instance = config.instance();
    }

    /**
     * Runs the agent; answers the finished execution, or with {@code async} the running one at once (its outcome is
     * recorded when the container exits). With an {@code Idempotency-Key} used before, runs nothing and answers the
     * first request's execution ({@link #again}).
     */
    public Uni<Execution> run(UUID org, String actor, UUID agentId, boolean async, Idempotency.Key key) {
        Uni<Optional<FirstRun>> asked = key == null ? Uni.createFrom().item(Optional.empty())
                : db.inOrg(org, conn -> Idempotency.answered(conn, key, FirstRun.class));
        Uni<Void> stillUsable = credentials.stillUsable(); // the request's credential, read now
        return asked.chain(first -> first.isPresent() ? again(org, first.get().executionId(), async)
                : fresh(org, actor, agentId, async, key, stillUsable));
    }

    /** What a keyed run records under its key: the execution it started. */
    public record FirstRun(UUID executionId) {
    }

    /**
     * A run asked again with its key: the execution as it stands, finished or (asked asynchronously) running. A
     * synchronous request whose run is still going is a 409, as the Idempotency-Key draft has it for a request still in
     * progress; the message names the execution to follow.
     */
    private Uni<Execution> again(UUID org, UUID executionId, boolean async) {
        return get(org, executionId).invoke(e -> {
            if (!async && e.status() == Outcome.RUNNING) {
                throw ApiException.conflict("The first request with this Idempotency-Key is still running execution "
                        + executionId + "; follow it at /v1/executions/" + executionId);
            }
        });
    }

    private Uni<Execution> fresh(UUID org, String actor, UUID agentId, boolean async, Idempotency.Key key,
                                 Uni<Void> stillUsable) {
        // Every agent event published before this request (a suspension answered, a deploy) is in the projection
        // before it decides, and every access change (a revocation answered: a revoked key starts nothing after its
        // 200); when that cannot be known, no run (a 503), rather than a run on what may be stale.
        // Both waited for, so that when both fail (a broker away: each gives up after its timeout) neither failure is
        // left to Mutiny, which logged the second as an ERROR for every run refused during the outage; the first is
        // the answer.
        Uni<Void> current = Uni.combine().all().unis(stillUsable,
                offsets.applied(AgentProjection.GROUP, Topics.AGENTS, agentId.toString(), projectionTimeout))
                .collectFailures().discardItems()
                .onFailure(CompositeException.class).transform(e -> ((CompositeException) e).getCauses().getFirst());
        return current.chain(() -> db.inOrg(org, conn -> agents.find(conn, agentId))).map(found -> {
            RunnableAgent agent = found.orElseThrow(() -> ApiException.notFound("Agent"));
            if (agent.suspended()) {
                throw ApiException.forbidden("The agent is suspended; it cannot run");
            }
            if (!agent.hasImage()) {
                throw ApiException.badRequest("The agent has no image configured; deploy a version with an image first",
                        List.of());
            }
            images.refusal(org, agent.imageUri()).ifPresent(why -> {
                throw ApiException.forbidden(why);
            });
            // An image set at creation but never deployed has no version record and no deployment in the audit trail:
            // what runs is what was deployed, so that every execution names a version somebody deployed.
            if (agent.version() < 1) {
                throw ApiException.badRequest("The agent has never been deployed; deploy a version first "
                        + "(POST /v1/agents/" + agent.agentId() + "/deploy)", List.of());
            }
            // Deployed before runner-service kept each version's config: running it with none would run something
            // other than what was deployed (a version's config never changes, so deploying it again records it)
            if (!agent.configKnown()) {
                throw ApiException.conflict("Version " + agent.version() + " was deployed before runner-service kept "
                        + "each version's config, so the config it runs with is not known here; deploy it again "
                        + "(POST /v1/agents/" + agent.agentId() + "/deploy with its image and config) to run it");
            }
            if (AgentVersion.configBytes(agent.config()) > AgentVersion.MAX_CONFIG_BYTES) {
                throw ApiException.badRequest("Version " + agent.version() + "'s config is larger than the "
                        + AgentVersion.MAX_CONFIG_BYTES
                        + " bytes of JSON a container is given (" + CONFIG_VARIABLE + "); deploy a smaller one", List.of());
            }
            return agent;
        }).chain(agent -> {
            AtomicReference<Slots.Permit> held = new AtomicReference<>();
            return start(org, actor, agent, async, key, held)
                    .onFailure().invoke(() -> {
                        if (held.get() != null) {
                            held.get().release();
                        }
                    });
        });
    }

    /**
     * What a run's container is told, in its environment: which execution it is, of which agent and version, and that
     * version's deploy {@code config} as JSON (seed 001: "runtime configuration for this version"; absent when the
     * version had none). Nothing else of the service's own environment reaches it.
     */
    static Map<String, String> environment(UUID execution, RunnableAgent agent) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("WARDEN_EXECUTION_ID", execution.toString());
        environment.put("WARDEN_AGENT_ID", agent.agentId().toString());
        environment.put("WARDEN_AGENT_VERSION", String.valueOf(agent.version()));
        if (agent.config() != null) {
            environment.put(CONFIG_VARIABLE, agent.config());
        }
        return environment;
    }

    /**
     * What the engine is given to run, asked on a worker (the engine's calls block). The engine must answer, and this
     * replica hold its instance name (503).
     * Under an allow-list of images, the image the engine resolves the reference to must carry a name the
     * organization may run (403; its store resolves {@code allowed/name@sha256:<digest>} to any image with that
     * digest), and that image, by its id, is what runs, so that nothing retagged in between runs instead. An image the
     * engine does not hold, or an engine that resolves no images itself (Kubernetes), gets the reference.
     */
    private String imageToRun(UUID org, String reference) {
        if (!engine.available()) {
            throw new UnavailableException("container engine", null);
        }
        if (!lease.held()) {
            // Another live replica holds this one's instance name (its readiness says which), or it is being taken.
            throw new UnavailableException("runner", null);
        }
        if (images.open()) {
            return reference;
        }
        Optional<ContainerEngine.ResolvedImage> found;
        try {
            found = engine.resolve(reference);
        } catch (RuntimeException e) {
            // The engine failed between its ping and this call (gone, restarting): a 503 as when it does not answer
            LOG.warnf("The container engine failed resolving %s: %s", reference, e.getMessage());
            throw new UnavailableException("container engine", null);
        }
        return found.map(resolved -> {
            images.refusal(org, reference, resolved.names()).ifPresent(why -> {
                throw ApiException.forbidden(why);
            });
            return resolved.id().startsWith("sha256:") ? resolved.id().substring("sha256:".length()) : resolved.id();
        }).orElse(reference);
    }

    /**
     * Takes a concurrency slot (429 beyond it) inside the transaction that records the execution under its key, after
     * the key's row: a request racing the first one with its key waits on that row and then runs nothing, without ever
     * holding a slot (taken before, eight racing retries of one run were answered 429 and kept others' runs out).
     */
    private Uni<Execution> start(UUID org, String actor, RunnableAgent agent, boolean async, Idempotency.Key key,
                                 AtomicReference<Slots.Permit> held) {
        Limits limits = tiers.of(org);
        Execution started = new Execution(UUID.randomUUID(), Outcome.RUNNING, null, null, List.of(), List.of(), false,
                agent.agentId(), agent.version(), agent.imageUri(), null, limits, null, actor, now(), null);
        AtomicReference<String> image = new AtomicReference<>();
        return CallerContext.offload(() -> imageToRun(org, agent.imageUri()), engines.workers()).invoke(image::set)
                .chain(() -> db.inOrg(org, conn -> Idempotency.once(conn, key, FirstRun.class,
                        () -> Uni.createFrom().item(() -> {
                                    held.set(limiter.acquire(org));
                                    return held.get();
                                })
                                .chain(() -> limiter.withinOrganization(conn, org))
                                .chain(() -> executions.insert(conn, org, started, instance))
                                .chain(() -> outbox.emit(conn, org, EventTypes.EXECUTION_STARTED, agent.agentId().toString(),
                                        new ExecutionStarted(started.executionId(), agent.agentId(), agent.version(),
                                                agent.imageUri(), eventLimits(limits), actor, started.startedAt())))
                                .replaceWith(new FirstRun(started.executionId())))))
                .chain(first -> {
                    if (!first.executionId().equals(started.executionId())) {
                        // Two first requests with one key raced and the other recorded its run: this one ran nothing
                        return again(org, first.executionId(), async);
                    }
                    Slots.Permit permit = held.get();
                    OutputCollector output = new OutputCollector(limits.maxOutputBytes());
                    live.put(started.executionId(), org, agent.agentId(), output);
                    RunSpec spec = new RunSpec(started.executionId(), org, agent.agentId(), image.get(), limits, instance,
                            environment(started.executionId(), agent));
                    Uni<Execution> finished = CallerContext.offload(() -> live.runAs(started.executionId(),
                                    () -> engine.run(spec, output), () -> {
                                        output.finish();
                                        return RunResult.error("stopped before it began", 0, null);
                                    }), engines.workers())
                            .onFailure().recoverWithItem(e -> {
                                LOG.errorf(e, "Execution %s failed", started.executionId());
                                output.finish();
                                return RunResult.error("the runner failed: " + e.getMessage(), 0, null);
                            })
                            .map(result -> stoppedWhy(started.executionId(), result, output))
                            .chain(result -> recordDurably(org, started, result))
                            .invoke(done -> output.end(done.status().toString()))
                            .eventually(() -> {
                                output.end(Outcome.ERROR.toString());
                                live.remove(started.executionId());
                                permit.release();
                            });
                    // The run goes on to its record whatever the caller does: a synchronous caller that went away
                    // cancelled it, which released its slot early and left it running unrecorded forever
                    CompletableFuture<Execution> done = finished.subscribeAsCompletionStage();
                    done.whenComplete((e, failure) -> {
                        if (failure != null) {
                            LOG.errorf(failure, "Recording execution %s failed", started.executionId());
                        }
                    });
                    // A copy: the caller going away cancels the copy, not the run
                    return async ? Uni.createFrom().item(started) : Uni.createFrom().completionStage(done.copy());
                });
    }

    /**
     * A run {@link RunStops} stopped (its agent suspended, its organization disabled) is an {@code error} saying why,
     * with the output it printed until then; one that ended by itself as the stop came keeps its own outcome.
     */
    private RunResult stoppedWhy(UUID execution, RunResult result, OutputCollector output) {
        return live.stopped(execution).filter(why -> result.status() == Outcome.ERROR)
                .map(why -> new RunResult(Outcome.ERROR, null, result.durationMs(), output.stdout(), output.stderr(),
                        output.truncated(), result.imageDigest(), why))
                .orElse(result);
    }

    /**
     * Records the outcome, trying again while the database cannot be reached (its outage, a restart, a failover): the
     * container ran, and what it did is kept in memory until it is recorded, however long that takes, rather than
     * left {@code running} for good. The run's slot stays taken meanwhile. A synchronous caller is answered once it is
     * recorded (one that gives up first finds the outcome on the execution, or by a retry with its Idempotency-Key). Recording twice is harmless: only a running execution is finished, with its event.
     */
    private Uni<Execution> recordDurably(UUID org, Execution started, RunResult result) {
        return OutageRetry.untilTheDatabaseAnswers(record(org, started, result), null, e -> LOG.warnf(
                "Recording execution %s failed; trying again until the database answers: %s", started.executionId(),
                e.getMessage()));
    }

    private Uni<Execution> record(UUID org, Execution started, RunResult result) {
        Execution done = started.finished(result.status(), result.exitCode(), result.durationMs(), result.stdout(),
                result.stderr(), result.truncated(), result.imageDigest(), result.error(), now());
        return db.inOrg(org, conn -> finish(conn, org, done))
                .invoke(updated -> counted(updated, done.status()))
                .replaceWith(done);
    }

    /**
     * Records {@code done} over its running execution, with its finished event, in the caller's transaction; answers
     * whether this call finished it (an execution finished already is left alone).
     */
    private Uni<Boolean> finish(SqlConnection conn, UUID org, Execution done) {
        String stdoutSha = digest(done.stdout());
        String stderrSha = digest(done.stderr());
        return executions.finish(conn, done, stdoutSha, stderrSha)
                .call(updated -> updated ? emitFinished(conn, org, done, stdoutSha, stderrSha) : Uni.createFrom().voidItem());
    }

    private Uni<Void> emitFinished(SqlConnection conn, UUID org, Execution done, String stdoutSha, String stderrSha) {
        return outbox.emit(conn, org, EventTypes.EXECUTION_FINISHED, done.agentId().toString(),
                new ExecutionFinished(done.executionId(), done.agentId(), done.version(), done.image(),
                        done.imageDigest(), eventLimits(done.limits()), done.status().toString(), done.exitCode(),
                        done.durationMs(), done.stdout().size(), done.stderr().size(), stdoutSha, stderrSha,
                        done.truncated(), done.error(), done.requestedBy(), done.startedAt(), done.finishedAt()))
                .replaceWithVoid();
    }

    /**
     * What a run an earlier replica under this instance name left unfinished is recorded with, found when the name was
     * next taken: by that replica restarted, or by another once it was gone.
     */
    public static final String RESTARTED = "runner-service stopped before the run's outcome was recorded; found "
            + "unfinished when it restarted or another replica took its instance name (its container, if any, removed)";

    /**
     * Records a run whose replica stopped before its outcome was recorded, and which left no container, as
     * {@code error}, saying {@code why}, with its finished event; one already finished is left alone.
     */
    public Uni<Boolean> recordOrphan(UUID org, UUID executionId, String why) {
        return recordOrphan(new ContainerEngine.Orphan(executionId, org, null, List.of(), List.of(), false, null), why);
    }

    /**
     * The same for a run whose container was found and removed: recorded with what the container printed until then
     * and its image's digest, so that its record and audit entry do not understate what it did.
     */
    public Uni<Boolean> recordOrphan(ContainerEngine.Orphan orphan, String why) {
        UUID org = orphan.orgId();
        return db.inOrg(org, conn -> executions.find(conn, orphan.executionId()).chain(found -> {
            if (found.isEmpty() || found.get().status() != Outcome.RUNNING) {
                return Uni.createFrom().item(false);
            }
            Execution e = found.get();
            long duration = Math.max(0, ChronoUnit.MILLIS.between(e.startedAt(), now()));
            return finish(conn, org, e.finished(Outcome.ERROR, null, duration, orphan.stdout(), orphan.stderr(),
                    orphan.truncated(), orphan.imageDigest(), why, now()));
        })).invoke(updated -> counted(updated, Outcome.ERROR));
    }

    /** Counts a run's outcome once its record has committed, if this call finished it ({@code updated}): once per run. */
    private void counted(boolean updated, Outcome outcome) {
        if (updated) {
            finished.get(outcome).increment();
        }
    }

    /** The executions {@code instance} started before {@code before} and never finished (it died meanwhile). */
    public Uni<List<ExecutionRepository.Orphaned>> unfinished(String instance, Instant before) {
        return db.asPlatform(conn -> executions.unfinished(conn, instance, before));
    }

    /** The instance names of the runs recorded as {@code running}, {@code except}'s excepted. */
    public Uni<List<String>> runningInstances(String except) {
        return db.asPlatform(conn -> executions.runningInstances(conn, except));
    }

    public Uni<Execution> get(UUID org, UUID executionId) {
        return db.inOrg(org, conn -> executions.find(conn, executionId))
                .map(found -> found.orElseThrow(() -> ApiException.notFound("Execution")));
    }

    /**
     * The output of an execution as a stream: live from the collector while this instance runs it (the lines so far,
     * then each new one, ending with the output), else the lines recorded (stdout, then stderr). At most
     * {@code warden.streams.max-per-org} open at once per organization ({@code OpenStreams}, in the resource).
     */
    public Multi<LogLine> logs(UUID org, Execution execution) {
        Optional<OutputCollector> running = live.output(execution.executionId());
        if (running.isPresent()) {
            OutputCollector output = running.get();
            return Multi.createFrom().emitter(emitter -> {
                Consumer<OutputCollector.Line> onLine = line -> emitter.emit(new LogLine(
                        line.stream().name().toLowerCase(java.util.Locale.ROOT), line.text()));
                Consumer<String> onEnd = status -> {
                    emitter.emit(new LogLine("end", status));
                    emitter.complete();
                };
                emitter.onTermination(() -> output.unsubscribe(onLine, onEnd));
                output.subscribe(onLine, onEnd);
            });
        }
        // Not (or no longer) running here: what was recorded. A run still recorded as running is another instance's
        // (or its outcome is not recorded yet): its outcome is waited for, read again every OUTCOME_POLL until the
        // client goes, since its lines are kept only with it; an end event saying "running" told a client of a
        // replica that the stream was over, with none of the run's output.
        if (execution.status() != Outcome.RUNNING) {
            return stored(execution);
        }
        return get(org, execution.executionId()).repeat().withDelay(OUTCOME_POLL)
                .whilst(e -> e.status() == Outcome.RUNNING)
                .select().last()
                .onItem().transformToMultiAndConcatenate(ExecutionService::stored);
    }

    /** How often a log stream of a run this instance does not run reads the execution again, for its outcome. */
    static final Duration OUTCOME_POLL = Duration.ofMillis(500);

    /** The recorded lines, each made as the stream asks for it (a kept output may be 262,144 empty lines). */
    private static Multi<LogLine> stored(Execution e) {
        return Multi.createBy().concatenating().streams(
                Multi.createFrom().iterable(e.stdout()).map(l -> new LogLine("stdout", l)),
                Multi.createFrom().iterable(e.stderr()).map(l -> new LogLine("stderr", l)),
                Multi.createFrom().item(new LogLine("end", e.status().toString())));
    }

    /** An agent's runs, from what the projection holds (a read does not wait for it: docs/architecture.md). */
    public Uni<ExecutionPage> list(UUID org, UUID agentId, PageRequest page) {
        return db.inOrg(org, conn -> agents.find(conn, agentId).chain(agent -> {
                    if (agent.isEmpty()) {
                        throw ApiException.notFound("Agent");
                    }
                    return executions.listByAgent(conn, agentId, page, listOutputBytes);
                }))
                .map(found -> new ExecutionPage(found.items(), found.total(), found.totalExact(),
                        found.nextCursor((Execution e) -> Cursor.at(e.startedAt(), e.executionId()))));
    }

    /** SHA-256 of the lines each followed by a newline: anyone holding the answer's lines can recompute it. */
    static String digest(List<String> lines) {
        StringBuilder text = new StringBuilder();
        lines.forEach(l -> text.append(l).append('\n'));
        return CanonicalJson.sha256Hex(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static ExecutionLimits eventLimits(Limits l) {
        return new ExecutionLimits(l.tier(), l.cpus(), l.memoryMb(), l.timeoutMs(), l.pids(), l.maxOutputBytes(), l.network());
    }

    private static Instant now() {
        return Rows.now();
    }
}
