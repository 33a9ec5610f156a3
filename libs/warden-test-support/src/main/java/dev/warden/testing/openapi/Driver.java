package dev.warden.testing.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.testing.openapi.ApiDocument.Operation;
import dev.warden.testing.openapi.Exchange.Answer;
import dev.warden.testing.openapi.Exchange.Request;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Sends requests to the service under test as the right caller, and remembers the real ids its answers give, so that
 * later requests can name what exists. An id is learnt from the operation that creates it: a {@code POST} to a path
 * {@code P} whose document also has {@code P/{x_id}} creates an {@code x_id} (the first {@code id} of its answer).
 * Cursors are learnt from {@code next_cursor} fields.
 */
final class Driver {

    private static final int POOL_SIZE = 50;

    final ApiDocument doc;
    private final URI base;
    private final Map<String, String> orgCaller;
    private final Map<String, String> platformCaller;
    private Map<String, String> viewer;
    private final Map<String, String> creates = new HashMap<>();
    private final Map<String, Deque<String>> known = new HashMap<>();

    Driver(ApiDocument doc, URI base, Map<String, String> orgCaller, Map<String, String> platformCaller) {
        this.doc = doc;
        this.base = base;
        this.orgCaller = orgCaller;
        this.platformCaller = platformCaller;
        for (Operation op : doc.operations()) {
            if (!op.method().equals("POST")) {
                continue;
            }
            for (Operation other : doc.operations()) {
                String rest = other.path().startsWith(op.path() + "/{") ? other.path().substring(op.path().length() + 2) : "";
                if (rest.indexOf('}') > 0) {
                    creates.put(op.id(), rest.substring(0, rest.indexOf('}')));
                }
            }
        }
    }

    /** The credentials an operation needs: the platform admin's for platform operations, else the org admin's. */
    Map<String, String> caller(Operation op) {
        return op.roles().contains("platform-admin") && platformCaller != null ? platformCaller : orgCaller;
    }

    /** A viewer's credentials, for cases that check an operation refuses a role below its own (403); or null. */
    Map<String, String> viewer() {
        return viewer;
    }

    Driver withViewer(Map<String, String> headers) {
        this.viewer = headers;
        return this;
    }

    Answer send(Operation op, Request request) {
        Answer answer = Exchange.send(base, request);
        if (answer.status() >= 200 && answer.status() < 300 && answer.contentType().contains("json")) {
            learn(op, answer);
        }
        return answer;
    }

    /** A real id for the path parameter {@code name}: the newest, or a random one of those known; null when none is. */
    String known(String name, Random random) {
        Deque<String> ids = known.get(name);
        if (ids == null || ids.isEmpty()) {
            return null;
        }
        if (random == null) {
            return ids.peekLast();
        }
        return new ArrayList<>(ids).get(random.nextInt(ids.size()));
    }

    /** The newest known id, else a random UUID (the service answers 404, or creates nothing). */
    String idOrRandom(String name, Random random) {
        String id = known(name, random);
        return id != null ? id : UUID.randomUUID().toString();
    }

    private void learn(Operation op, Answer answer) {
        JsonNode body;
        try {
            body = ApiDocument.JSON.readTree(answer.body());
        } catch (IOException e) {
            return;
        }
        if (body == null) {
            return;
        }
        String pool = creates.get(op.id());
        if (pool != null) {
            JsonNode id = firstId(body);
            if (id != null) {
                remember(pool, id.asText());
            }
        }
        for (JsonNode cursor : body.findValues("next_cursor")) {
            if (cursor.isTextual()) {
                remember("cursor", cursor.asText());
            }
        }
    }

    /** Makes {@code value} a known id of {@code pool}: what exists before the run, such as an agent another service announced. */
    Driver knowing(Map<String, String> ids) {
        ids.forEach(this::remember);
        return this;
    }

    private void remember(String pool, String value) {
        Deque<String> ids = known.computeIfAbsent(pool, p -> new ArrayDeque<>());
        ids.remove(value);
        ids.addLast(value);
        if (ids.size() > POOL_SIZE) {
            ids.removeFirst();
        }
    }

    /** Breadth first: {@code {"organization": {"id": ...}, "admin_api_key": {"id": ...}}} names the organization. */
    private static JsonNode firstId(JsonNode body) {
        Deque<JsonNode> queue = new ArrayDeque<>(List.of(body));
        while (!queue.isEmpty()) {
            JsonNode node = queue.removeFirst();
            if (node.isObject() && node.path("id").isTextual()) {
                return node.get("id");
            }
            if (node.isObject()) {
                node.elements().forEachRemaining(queue::addLast);
            }
        }
        return null;
    }
}
