package dev.warden.testing.openapi;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request exactly as sent (the query already percent-encoded, the body as raw bytes, so that malformed input
 * reaches the service unchanged) and its answer. {@link Request#reproduce()} prints it as a curl command.
 */
public final class Exchange {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private Exchange() {
    }

    /** {@code target} is the path and query, already encoded; {@code body} null for none. */
    public record Request(String method, String target, Map<String, String> headers, byte[] body) {

        public String reproduce() {
            StringBuilder curl = new StringBuilder("curl -X ").append(method);
            headers.forEach((name, value) -> curl.append(" -H '").append(name).append(": ")
                    .append(name.equalsIgnoreCase("X-API-Key") ? "$KEY" : value).append('\''));
            if (body != null) {
                curl.append(" --data-binary $'").append(shellEscaped(body)).append('\'');
            }
            return curl.append(" '$BASE").append(target).append('\'').toString();
        }
    }

    /** An answer: status, headers (names in lower case) and the body's bytes. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {

        public String contentType() {
            return headers.getOrDefault("content-type", "");
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public static Answer send(URI base, Request request) {
        HttpRequest.Builder http = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + request.target()))
                .timeout(Duration.ofSeconds(60))
                .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(http::header);
        try {
            HttpResponse<byte[]> response = CLIENT.send(http.build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> headers = new TreeMap<>();
            response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(), String.join(", ", values)));
            return new Answer(response.statusCode(), headers, response.body());
        } catch (IOException e) {
            throw new AssertionError("no answer to " + request.reproduce() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static Map<String, String> headers(Map<String, String> credentials, String contentType) {
        Map<String, String> headers = new LinkedHashMap<>(credentials);
        headers.put("Accept", "application/json, application/zip, text/event-stream");
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        return headers;
    }

    /** The body as a bash $'...' string: printable ASCII as is, everything else escaped byte by byte. */
    static String shellEscaped(byte[] body) {
        StringBuilder out = new StringBuilder();
        int shown = Math.min(body.length, 4000);
        for (int i = 0; i < shown; i++) {
            int b = body[i] & 0xff;
            if (b == '\'' || b == '\\') {
                out.append('\\').append((char) b);
            } else if (b >= 0x20 && b < 0x7f) {
                out.append((char) b);
            } else {
                out.append(String.format("\\x%02x", b));
            }
        }
        if (body.length > shown) {
            out.append("...(").append(body.length).append(" bytes in all)");
        }
        return out.toString();
    }
}
