package dev.warden.testing.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.testing.openapi.ApiDocument.Operation;
import dev.warden.testing.openapi.ApiDocument.Parameter;
import dev.warden.testing.openapi.Cases.Case;
import dev.warden.testing.openapi.Coverage.Exchanged;
import dev.warden.testing.openapi.Exchange.Answer;
import dev.warden.testing.openapi.Exchange.Request;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The contract test: records one real, valid answer of every operation of a running service (status, headers, body)
 * under a folder, and one per value of each enumerated query parameter ({@code format=zip}), then replays each
 * recording against the document with {@link AnswerCheck}, the fuzzer's check. It fails when an operation of the
 * document got no 2xx, when a documented 2xx media type was never answered, or when a recorded answer is not what the
 * document says.
 */
public final class ApiContract {

    private final ApiDocument doc;
    private URI base;
    private Map<String, String> orgAdmin = Map.of();
    private Map<String, String> platformAdmin;
    private Map<String, String> knownIds = Map.of();
    private final Map<String, Supplier<Prepared>> prepared = new LinkedHashMap<>();
    private final Map<String, Supplier<Prepared>> preparedVariants = new LinkedHashMap<>();

    /**
     * A request for one operation: its path with real ids (and any query) and its JSON body, or null for none; and
     * what to do once it is answered (undo what its supplier set up for it), or null.
     */
    public record Prepared(String target, String json, Runnable afterwards) {
        public Prepared(String target, String json) {
            this(target, json, null);
        }
    }

    private ApiContract(ApiDocument doc) {
        this.doc = doc;
    }

    public static ApiContract of(String document) {
        return new ApiContract(ApiDocument.parse(document));
    }

    public ApiContract at(URI base) {
        this.base = base;
        return this;
    }

    public ApiContract asOrgAdmin(Map<String, String> headers) {
        this.orgAdmin = headers;
        return this;
    }

    /**
     * Ids that exist before the run and that no operation of this document creates, by parameter or field name, e.g.
     * {@code agent_id} of an agent the service learnt from another service's events.
     */
    public ApiContract knowing(Map<String, String> ids) {
        this.knownIds = Map.copyOf(ids);
        return this;
    }

    /**
     * A valid request the document alone cannot make, for an operation the generated calls cannot get a 2xx from: a
     * body signed with a key only the test holds (seed 004's proof of possession), or a path naming something only the
     * test can create. It is sent as the org admin, in place of the generated calls, and checked like any other.
     */
    public ApiContract preparing(String operationId, Supplier<Prepared> request) {
        prepared.put(operationId, request);
        return this;
    }

    /**
     * One more answer of an operation, recorded as {@code <operationId>.<variant>.json} after every other and checked
     * like them: a documented success only a condition the test sets up gives (a 202 while the broker is away), which
     * {@code request}'s supplier sets up and its {@link Prepared#afterwards} undoes. Sent with the caller the operation
     * needs.
     */
    public ApiContract preparing(String operationId, String variant, Supplier<Prepared> request) {
        preparedVariants.put(operationId + "." + variant, request);
        return this;
    }

    public ApiContract asPlatformAdmin(Map<String, String> headers) {
        this.platformAdmin = headers;
        return this;
    }

    /**
     * Calls every operation once, validly, and writes each answer to {@code folder/<operationId>.json}, failing when
 * an answer's {@code Location} is not something a GET with the same credential answers (200); then each
     * value of an enumerated query parameter to {@code folder/<operationId>.<name>=<value>.json}. A 409 there (a
     * package still being built) is asked again until it is something else.
     */
    public ApiContract record(Path folder) {
        Driver driver = new Driver(doc, base, orgAdmin, platformAdmin).knowing(knownIds);
        Cases cases = new Cases(driver, new Random(1));
        Map<String, Exchanged> answers = new LinkedHashMap<>();
        List<String> nowhere = new ArrayList<>();
        Coverage.everyOperation(driver, cases, (c, a) -> follow(c, a, nowhere))
                .forEach((op, exchanged) -> answers.put(op.id(), exchanged));
        for (Operation op : doc.operations()) {
            Supplier<Prepared> supplier = prepared.get(op.id());
            if (supplier != null) {
                answers.put(op.id(), send(driver, op, supplier.get(), nowhere));
            }
        }
        if (!nowhere.isEmpty()) {
            throw new AssertionError("Locations that name nothing a GET answers:\n  - " + String.join("\n  - ", nowhere));
        }
        for (Operation op : doc.operations()) {
            for (Parameter p : op.in("query")) {
                // Each value a query parameter takes a list of: its enumeration's, or a boolean's two
                JsonNode schema = doc.resolve(p.schema());
                List<String> values = new ArrayList<>();
                schema.path("enum").forEach(value -> values.add(value.asText()));
                JsonNode type = schema.path("type");
                if (values.isEmpty() && ("boolean".equals(type.asText())
                        || type.isArray() && type.toString().contains("\"boolean\""))) {
                    values.addAll(List.of("true", "false"));
                }
                for (String value : values) {
                    answers.put(op.id() + "." + p.name() + "=" + value, variant(driver, cases, op, p, value));
                }
            }
        }
        for (Map.Entry<String, Supplier<Prepared>> variant : preparedVariants.entrySet()) {
            String id = variant.getKey().substring(0, variant.getKey().indexOf('.'));
            Operation op = doc.operations().stream().filter(o -> o.id().equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("the document has no operation " + id));
            answers.put(variant.getKey(), send(driver, op, variant.getValue().get(), nowhere));
        }
        try {
            Files.createDirectories(folder);
            try (var old = Files.list(folder)) {
                for (Path file : old.toList()) {
                    Files.delete(file);
                }
            }
            for (Map.Entry<String, Exchanged> e : answers.entrySet()) {
                Files.writeString(folder.resolve(e.getKey() + ".json"), recording(e.getValue()).toPrettyString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Checks every recording in {@code folder} against the document; fails with all problems at once. */
    public void replay(Path folder) {
        AnswerCheck check = new AnswerCheck(doc);
        List<String> problems = new ArrayList<>();
        Map<String, Operation> byId = new LinkedHashMap<>();
        doc.operations().forEach(op -> byId.put(op.id(), op));
        Set<String> answered = new TreeSet<>();
        List<Path> files;
        try (var listing = Files.list(folder)) {
            files = listing.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path file : files) {
            JsonNode recorded;
            try {
                recorded = ApiDocument.JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Operation op = byId.get(recorded.path("operation").asText());
            if (op == null) {
                problems.add(file + " records " + recorded.path("operation") + ", which the document does not have");
                continue;
            }
            Answer answer = answer(recorded);
            boolean variant = !file.getFileName().toString().equals(op.id() + ".json");
            if (!variant && (answer.status() < 200 || answer.status() >= 300)) {
                problems.add(op + ": no valid call succeeded; the last answered " + answer.status() + " "
                        + OpenApiFuzzer.excerpt(answer) + "\n      request: " + recorded.path("request").asText());
            }
            answered.add(op.id() + " " + answer.status() + " " + answer.contentType().split(";")[0].trim().toLowerCase());
            check.problems(op, answer).forEach(p -> problems.add(op + ": " + p + " (recorded in " + file + ")"));
        }
        for (Operation op : doc.operations()) {
            if (!Files.exists(folder.resolve(op.id() + ".json"))) {
                problems.add(op + ": no recorded answer");
            }
            op.node().path("responses").fields().forEachRemaining(response -> {
                if (response.getKey().startsWith("2")) {
                    doc.resolve(response.getValue()).path("content").fieldNames().forEachRemaining(media -> {
                        if (!answered.contains(op.id() + " " + response.getKey() + " " + media)) {
                            problems.add(op + ": no recorded " + response.getKey() + " answer is " + media);
                        }
                    });
                }
            });
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("The recorded answers of " + doc.root().path("info").path("title").asText()
                    + " do not match its document:\n  - " + String.join("\n  - ", problems));
        }
    }

    /**
     * A 2xx answer's {@code Location} names what it made or started: a GET of it with the same credential, asked at
     * once (before another operation of the run deletes it), must answer 200.
     */
    private void follow(Case c, Answer answer, List<String> nowhere) {
        String location = answer.headers().get("location");
        if (location == null || answer.status() / 100 != 2) {
            return;
        }
        Map<String, String> caller = new LinkedHashMap<>(c.request().headers());
        caller.remove("Content-Type");
        URI named = URI.create(location);
        Answer followed = Exchange.send(base, new Request("GET", named.getRawPath()
                + (named.getRawQuery() == null ? "" : "?" + named.getRawQuery()), caller, null));
        if (followed.status() != 200) {
            nowhere.add(c.op() + " answered Location " + location + ", whose GET answers " + followed.status() + " "
                    + OpenApiFuzzer.excerpt(followed));
        }
    }

    private static Exchanged variant(Driver driver, Cases cases, Operation op, Parameter parameter, String value) {
        Exchanged exchanged = null;
        for (int attempt = 0; attempt < 100 && (exchanged == null || exchanged.answer().status() == 409); attempt++) {
            if (attempt > 0) {
                pause();
            }
            Case valid = cases.valid(op, true);
            Request request = valid.request();
            String target = request.target() + (request.target().contains("?") ? "&" : "?") + parameter.name() + "="
                    + URLEncoder.encode(value, StandardCharsets.UTF_8);
            Case c = new Case(op, valid.kind(), parameter.name(), new Request(request.method(), target, request.headers(),
                    request.body()), false);
            exchanged = new Exchanged(c, driver.send(op, c.request()));
        }
        return exchanged;
    }

    /** Between two asks of a resource that is not ready yet; the loop ends as soon as it is. */
    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A prepared request sent as the caller its operation needs, its Location followed, then its afterwards run. */
    private Exchanged send(Driver driver, Operation op, Prepared p, List<String> nowhere) {
        try {
            byte[] body = p.json() == null ? null : p.json().getBytes(StandardCharsets.UTF_8);
            Request request = new Request(op.method(), p.target(),
                    Exchange.headers(driver.caller(op), body == null ? null : "application/json"), body);
            Case c = new Case(op, Cases.Kind.VALID, "", request, false);
            Answer answer = driver.send(op, request);
            follow(c, answer, nowhere);
            return new Exchanged(c, answer);
        } finally {
            if (p.afterwards() != null) {
                p.afterwards().run();
            }
        }
    }

    private static ObjectNode recording(Exchanged exchanged) {
        ObjectNode node = ApiDocument.JSON.createObjectNode();
        node.put("operation", exchanged.c().op().id());
        node.put("request", exchanged.c().request().reproduce());
        node.put("status", exchanged.answer().status());
        ObjectNode headers = node.putObject("headers");
        exchanged.answer().headers().forEach(headers::put);
        byte[] body = exchanged.answer().body();
        if (exchanged.answer().contentType().contains("json") || exchanged.answer().contentType().startsWith("text/")) {
            node.put("body", new String(body, StandardCharsets.UTF_8));
        } else {
            node.put("body_base64", Base64.getEncoder().encodeToString(body));
        }
        return node;
    }

    private static Answer answer(JsonNode recorded) {
        Map<String, String> headers = new TreeMap<>();
        recorded.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        byte[] body = recorded.has("body_base64") ? Base64.getDecoder().decode(recorded.get("body_base64").asText())
                : recorded.path("body").asText().getBytes(StandardCharsets.UTF_8);
        return new Answer(recorded.path("status").asInt(), headers, body);
    }
}
