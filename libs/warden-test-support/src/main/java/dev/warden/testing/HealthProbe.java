package dev.warden.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * One answer of a service's {@code /q/health/ready} or {@code /q/health/live}, asked with a client-side timeout: a
 * probe that does not answer in time fails the test instead of hanging it.
 */
public record HealthProbe(int status, JsonNode body) {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    public static HealthProbe ready(int port, Duration within) {
        return ask(port, "/q/health/ready", within);
    }

    /** Polls readiness (each probe answered within {@code promptly}) until it is 200, for at most {@code atMost}. */
    public static void awaitReady(int port, Duration promptly, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(200))
                .until(() -> ready(port, promptly).status() == 200);
    }

    /** The {@code serving} group: what a Kubernetes readinessProbe asks (warden-tenancy's AccessDirectoryReadiness). */
    public static HealthProbe serving(int port, Duration within) {
        return ask(port, "/q/health/group/serving", within);
    }

    public static HealthProbe live(int port, Duration within) {
        return ask(port, "/q/health/live", within);
    }

    /** "UP", "DOWN", or null when no check of that name answered. */
    public String check(String name) {
        JsonNode check = find(name);
        return check == null ? null : check.path("status").asText();
    }

    /** The reason a check gives for being DOWN, or null. */
    public String reason(String name) {
        JsonNode check = find(name);
        return check == null || !check.path("data").has("reason") ? null : check.path("data").path("reason").asText();
    }

    private JsonNode find(String name) {
        for (JsonNode check : body.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check;
            }
        }
        return null;
    }

    private static HealthProbe ask(int port, String path, Duration within) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(within).GET().build();
        try {
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new HealthProbe(response.statusCode(), JSON.readTree(response.body()));
        } catch (HttpTimeoutException e) {
            throw new AssertionError(path + " did not answer within " + within.toMillis() + " ms", e);
        } catch (IOException e) {
            throw new AssertionError(path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
