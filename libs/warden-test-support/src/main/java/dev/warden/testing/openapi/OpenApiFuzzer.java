package dev.warden.testing.openapi;

import dev.warden.testing.openapi.ApiDocument.Operation;
import dev.warden.testing.openapi.Cases.Case;
import dev.warden.testing.openapi.Cases.Kind;
import dev.warden.testing.openapi.Exchange.Answer;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A property-based fuzz test of a running service, driven by its OpenAPI document alone: first one valid call of every
 * operation (creating the ids later calls use), then {@code warden.fuzz.cases} random cases (default
 * {@value #DEFAULT_CASES}), each a valid request or one malformed in one way (see {@link Cases}), seeded by
 * {@code warden.fuzz.seed} (printed, random by default) so that a run can be repeated.
 * <p>
 * It fails on any answer {@link AnswerCheck} refuses (a 5xx, an undocumented status, a 4xx outside the error shape, a
 * 2xx not matching its schema, Java internals in a body), and on a malformed request that is accepted although the
 * service always checks what it breaks (NUL, duplicate keys, bad JSON, a missing required field, ...). Each failure
 * shows the request as a curl command.
 */
public final class OpenApiFuzzer {

    public static final String CASES_PROPERTY = "warden.fuzz.cases";
    public static final String SEED_PROPERTY = "warden.fuzz.seed";
    public static final int DEFAULT_CASES = 3000;
    private static final int SHOWN = 40;

    private final ApiDocument doc;
    private URI base;
    private Map<String, String> orgAdmin = Map.of();
    private Map<String, String> platformAdmin;
    private Map<String, String> knownIds = Map.of();
    private Map<String, String> viewer;

    private OpenApiFuzzer(ApiDocument doc) {
        this.doc = doc;
    }

    /** Fuzzes the service that serves {@code document} (its {@code /q/openapi?format=json}). */
    public static OpenApiFuzzer of(String document) {
        return new OpenApiFuzzer(ApiDocument.parse(document));
    }

    /** Where the service listens, e.g. {@code http://localhost:8081}. */
    public OpenApiFuzzer at(URI base) {
        this.base = base;
        return this;
    }

    /** The headers of an organization's admin, e.g. {@code X-API-Key}: used for every organization operation. */
    public OpenApiFuzzer asOrgAdmin(Map<String, String> headers) {
        this.orgAdmin = headers;
        return this;
    }

    /** The headers of a platform admin: used for operations that require the {@code platform-admin} role. */
    /**
     * Ids that exist before the run and that no operation of this document creates, by parameter or field name, e.g.
     * {@code agent_id} of an agent the service learnt from another service's events.
     */
    public OpenApiFuzzer knowing(Map<String, String> ids) {
        this.knownIds = Map.copyOf(ids);
        return this;
    }

    public OpenApiFuzzer asPlatformAdmin(Map<String, String> headers) {
        this.platformAdmin = headers;
        return this;
    }

    /** The headers of a viewer of the same organization: some cases check that it is refused what it may not do. */
    public OpenApiFuzzer asViewer(Map<String, String> headers) {
        this.viewer = headers;
        return this;
    }

    /** What a run did. */
    public record Report(String service, long seed, int cases, Duration took, Map<Integer, Integer> statuses,
                         Map<Kind, Integer> kinds) {

        @Override
        public String toString() {
            return "fuzzed " + service + ": " + cases + " cases in " + took.toMillis() + " ms, seed " + seed
                    + " (-D" + SEED_PROPERTY + "=" + seed + " repeats it); statuses " + statuses + "; cases " + kinds;
        }
    }

    /** Runs the cases; fails with every distinct problem found, each with the request that shows it. */
    public Report run() {
        long seed = Long.getLong(SEED_PROPERTY, new Random().nextLong());
        int count = Integer.getInteger(CASES_PROPERTY, DEFAULT_CASES);
        String service = doc.root().path("info").path("title").asText("the service");
        System.out.println("Fuzzing " + service + " with " + count + " cases, seed " + seed
                + " (-D" + SEED_PROPERTY + "=" + seed + " -D" + CASES_PROPERTY + "=" + count + " repeats it)");
        long start = System.nanoTime();
        Random random = new Random(seed);
        Driver driver = new Driver(doc, base, orgAdmin, platformAdmin).knowing(knownIds).withViewer(viewer);
        Cases cases = new Cases(driver, random);
        AnswerCheck check = new AnswerCheck(doc);
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, Integer> repeats = new TreeMap<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        Map<Kind, Integer> kinds = new EnumMap<>(Kind.class);
        int[] number = {0};
        java.util.function.BiConsumer<Case, Answer> judge = (c, answer) -> {
            number[0]++;
            statuses.merge(answer.status(), 1, Integer::sum);
            kinds.merge(c.kind(), 1, Integer::sum);
            List<String> problems = new ArrayList<>(check.problems(c.op(), answer));
            if (c.mustRefuse() && answer.status() < 400) {
                problems.add("a malformed request (" + c.kind() + " at " + c.where() + ") was answered " + answer.status());
            }
            for (String problem : problems) {
                String key = c.op().id() + " " + c.kind() + " " + problem.replaceAll("\"[^\"]*\"", "\"\"").replaceAll("\\d+", "N");
                repeats.merge(key, 1, Integer::sum);
                failures.computeIfAbsent(key, k -> c.op() + ", case " + number[0] + " (" + c.kind()
                        + (c.where().isEmpty() ? "" : " at " + c.where()) + "): " + problem
                        + "\n      answer " + answer.status() + " " + answer.contentType() + ": " + excerpt(answer)
                        + "\n      request: " + c.request().reproduce());
            }
        };
        Coverage.everyOperation(driver, cases, judge);
        List<Operation> operations = doc.operations();
        for (int i = 0; i < count; i++) {
            Operation op = operations.get(random.nextInt(operations.size()));
            Case c = cases.any(op);
            judge.accept(c, driver.send(op, c.request()));
        }
        Report report = new Report(service, seed, number[0], Duration.ofNanos(System.nanoTime() - start), statuses, kinds);
        System.out.println(report);
        if (!failures.isEmpty()) {
            StringBuilder message = new StringBuilder(failures.size() + " distinct problems fuzzing " + service
                    + " (seed " + seed + ", -D" + SEED_PROPERTY + "=" + seed + " repeats the run; $BASE is " + base
                    + ", $KEY the organization admin's key, or the platform admin's for platform operations):");
            failures.entrySet().stream().limit(SHOWN).forEach(f -> message.append("\n  - ").append(f.getValue())
                    .append(repeats.get(f.getKey()) > 1 ? "\n      (" + repeats.get(f.getKey()) + " times)" : ""));
            if (failures.size() > SHOWN) {
                message.append("\n  ... and ").append(failures.size() - SHOWN).append(" more");
            }
            throw new AssertionError(message.toString());
        }
        return report;
    }

    static String excerpt(Answer answer) {
        String text = answer.contentType().contains("zip") ? "<" + answer.body().length + " bytes>" : answer.text();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
