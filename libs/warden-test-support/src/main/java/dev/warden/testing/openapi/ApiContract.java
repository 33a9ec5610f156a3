package dev.warden.testing.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.testing.openapi.ApiDocument.Operation;
import dev.warden.testing.openapi.Coverage.Exchanged;
import dev.warden.testing.openapi.Exchange.Answer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The contract test: records one real, valid answer of every operation of a running service (status, headers, body)
 * under a folder, then replays each recording against the document with {@link AnswerCheck}, the fuzzer's check.
 * It fails when an operation of the document got no 2xx, or when a recorded answer is not what the document says.
 */
public final class ApiContract {

    private final ApiDocument doc;
    private URI base;
    private Map<String, String> orgAdmin = Map.of();
    private Map<String, String> platformAdmin;

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

    public ApiContract asPlatformAdmin(Map<String, String> headers) {
        this.platformAdmin = headers;
        return this;
    }

    /** Calls every operation once, validly, and writes each answer to {@code folder/<operationId>.json}. */
    public ApiContract record(Path folder) {
        Driver driver = new Driver(doc, base, orgAdmin, platformAdmin);
        Map<Operation, Exchanged> answers = Coverage.everyOperation(driver, new Cases(driver, new Random(1)), (c, a) -> {
        });
        try {
            Files.createDirectories(folder);
            try (var old = Files.list(folder)) {
                for (Path file : old.toList()) {
                    Files.delete(file);
                }
            }
            for (Map.Entry<Operation, Exchanged> e : answers.entrySet()) {
                Files.writeString(folder.resolve(e.getKey().id() + ".json"), recording(e.getKey(), e.getValue()).toPrettyString());
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
        for (Operation op : doc.operations()) {
            Path file = folder.resolve(op.id() + ".json");
            if (!Files.exists(file)) {
                problems.add(op + ": no recorded answer");
                continue;
            }
            JsonNode recorded;
            try {
                recorded = ApiDocument.JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Answer answer = answer(recorded);
            if (answer.status() < 200 || answer.status() >= 300) {
                problems.add(op + ": no valid call succeeded; the last answered " + answer.status() + " "
                        + OpenApiFuzzer.excerpt(answer) + "\n      request: " + recorded.path("request").asText());
            }
            check.problems(op, answer).forEach(p -> problems.add(op + ": " + p + " (recorded in " + file + ")"));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("The recorded answers of " + doc.root().path("info").path("title").asText()
                    + " do not match its document:\n  - " + String.join("\n  - ", problems));
        }
    }

    private static ObjectNode recording(Operation op, Exchanged exchanged) {
        ObjectNode node = ApiDocument.JSON.createObjectNode();
        node.put("operation", op.id());
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
