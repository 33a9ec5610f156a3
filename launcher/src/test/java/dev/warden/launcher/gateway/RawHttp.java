package dev.warden.launcher.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP/1.1 sent raw on sockets to a gateway on 127.0.0.1, for the gateway's tests: what no HTTP client sends. */
final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttp() {
    }

    /** A POST that declares {@code length} bytes of body and sends the first, on a connection of its own. */
    static Socket partialBody(int port, String path, int length) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + length + "\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** Writes one byte; false once the gateway has closed the connection. */
    static boolean writeQuietly(Socket socket, char c) {
        try {
            socket.getOutputStream().write(c);
            socket.getOutputStream().flush();
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    /** A request sent raw on a connection of its own; the answer, read until the gateway closes (5 s at most). */
    static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * A GET on a connection of its own (the gateway hands each new connection to the next event loop), as
     * {@link #exchange}.
     */
    static String get(int port, String path) throws IOException {
        return exchange(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }

    /** Closes {@code socket}, an {@link IllegalStateException} if that fails. */
    static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Asserts {@code answer} (head and body) is a JSON answer in the error shape with {@code code}, a message and no
     * details; returns its {@code error} node.
     */
    static JsonNode assertError(String answer, String code) throws IOException {
        assertTrue(answer.toLowerCase().contains("content-type: application/json"), answer);
        JsonNode error = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).get("error");
        assertEquals(code, error.get("code").asText(), answer);
        assertTrue(error.get("message").asText().length() > 0, answer);
        assertTrue(error.get("details").isArray() && error.get("details").isEmpty(), answer);
        return error;
    }

    /**
     * The origin, whose requests' URIs are {@code received}, never got {@code path}. The refused connection is closed
     * by now; a GET of {@code path + "-marker"} sent after that through the gateway on {@code port}, on a connection of
     * its own, is answered once the origin has it, so the refused request, had it been sent on, would be there first.
     */
    static void assertNeverReceived(Collection<String> received, int port, String path) throws IOException {
        String marker = path + "-marker";
        String answer = get(port, marker);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(received.contains(marker), received.toString());
        assertFalse(received.contains(path), received.toString());
    }
}
