package dev.warden.testing.openapi;

import dev.warden.testing.openapi.ApiDocument.Operation;
import dev.warden.testing.openapi.Exchange.Answer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one check of the fuzzer and the contract test, on answers the issue saw and on the ones it must let pass. */
class AnswerCheckTest {

    private static final String DOCUMENT = """
            {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
             "paths": {"/v1/things": {
               "post": {"operationId": "createThing",
                 "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                 "responses": {
                   "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                   "400": {"$ref": "#/components/responses/BadRequest"},
                   "500": {"$ref": "#/components/responses/BadRequest"}}},
               "delete": {"operationId": "removeThings", "responses": {"204": {"description": "Removed"}}}}},
             "components": {
               "responses": {"BadRequest": {"description": "Bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
               "schemas": {
                 "Thing": {"type": "object", "required": ["id", "name", "note"], "properties": {
                   "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "note": {"type": ["string", "null"]}}},
                 "Error": {"type": "object"}}}}
            """;

    private final ApiDocument doc = ApiDocument.parse(DOCUMENT);
    private final AnswerCheck check = new AnswerCheck(doc);
    private final Operation create = doc.operations().get(0);
    private final Operation remove = doc.operations().get(1);

    @Test
    void aDocumentedAnswerPasses() {
        assertEquals(List.of(), check.problems(create, json(201, "{\"id\": \"1b4e28ba-2fa1-11d2-883f-0016d3cca427\", \"name\": \"a\", \"note\": null}")));
        assertEquals(List.of(), check.problems(create, json(400, "{\"error\": {\"code\": \"invalid_request\", \"message\": \"m\", \"details\": [{\"field\": \"name\", \"reason\": \"r\"}]}}")));
        assertEquals(List.of(), check.problems(remove, new Answer(204, Map.of(), new byte[0])));
    }

    @Test
    void aSuccessOutsideItsSchemaFails() {
        assertProblem(json(201, "{\"id\": \"1b4e28ba-2fa1-11d2-883f-0016d3cca427\", \"name\": null, \"note\": null}"), "name");
        assertProblem(json(201, "{\"id\": \"1b4e28ba-2fa1-11d2-883f-0016d3cca427\", \"name\": \"a\"}"), "note");
        assertProblem(json(201, "{\"id\": \"not-a-uuid\", \"name\": \"a\", \"note\": null}"), "uuid");
        assertProblem(json(201, "{\"id\": \"1b4e28ba-2fa1-11d2-883f-0016d3cca427\", \"name\": \"a\", \"note\": null, \"extra\": 1}"), "extra");
        assertProblem(new Answer(200, Map.of("content-type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8)), "not documented");
        assertProblem(new Answer(201, Map.of("content-type", "text/plain"), "x".getBytes(StandardCharsets.UTF_8)), "media type");
    }

    @Test
    void aServerErrorAnErrorOutsideTheShapeAndJavaInternalsFail() {
        assertProblem(json(500, "{\"error\": {\"code\": \"internal_error\", \"message\": \"m\", \"details\": []}}"), "server error");
        assertProblem(new Answer(400, Map.of(), new byte[0]), "media type");
        assertProblem(json(400, "{\"message\": \"bad\"}"), "error shape");
        assertProblem(json(400, "{\"error\": {\"code\": \"x\", \"message\": \"at dev.warden.api.Params.uuid(Params.java:31)\", \"details\": []}}"), "Java internals");
        assertProblem(json(400, "{\"error\": {\"code\": \"x\", \"message\": \"java.lang.IllegalStateException: boom\", \"details\": []}}"), "Java internals");
    }

    @Test
    void seed003sEnvelopeIsTheErrorShapeWithOkFalseBesideIt() {
        String error = "{\"code\": \"invalid_request\", \"message\": \"m\", \"details\": []}";
        assertEquals(List.of(), check.problems(create, json(400, "{\"ok\": false, \"error\": " + error + "}")));
        assertProblem(json(400, "{\"ok\": true, \"error\": " + error + "}"), "error shape");
        assertProblem(json(400, "{\"ok\": false, \"error\": " + error + ", \"more\": 1}"), "error shape");
    }

    @Test
    void eventTypesAreNotJavaNames() {
        String body = "{\"id\": \"1b4e28ba-2fa1-11d2-883f-0016d3cca427\", \"name\": \"dev.warden.agent-action.performed.v1\", \"note\": null}";
        assertEquals(List.of(), check.problems(create, json(201, body)));
    }

    private void assertProblem(Answer answer, String expected) {
        List<String> problems = check.problems(create, answer);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), () -> "expected a problem about " + expected + ", got " + problems);
    }

    private static Answer json(int status, String body) {
        return new Answer(status, Map.of("content-type", "application/json;charset=UTF-8"), body.getBytes(StandardCharsets.UTF_8));
    }
}
