package dev.warden.launcher.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * The one error shape of every Warden API, {@code {"error": {"code", "message", "details": []}}}, written by the
 * gateway itself: it does not depend on warden-api, whose {@code ErrorResponse} the services serialise the same way.
 */
final class ErrorBody {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorBody() {
    }

    static Buffer of(String code, String message) {
        return of(JSON.createObjectNode(), code, message);
    }

    /** With a seed's own fields beside {@code error} ({@code "ok": false}), first, as the service writes them. */
    static Buffer of(ObjectNode fields, String code, String message) {
        ObjectNode body = fields.deepCopy();
        body.putObject("error").put("code", code).put("message", message).putArray("details");
        return Buffer.buffer(body.toString());
    }
}
