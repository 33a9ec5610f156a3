package dev.warden.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.RestPath;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnexpectedBodiesTest {

    record Body(String name) {
    }

    @SuppressWarnings("unused")
    static class Operations {
        void rollback(@PathParam("agent_id") String id, @QueryParam("target_version") String target,
                      @Context HttpHeaders headers) {
        }

        void run(@RestPath String agentId, UriInfo uri, HttpServerRequest request) {
        }

        void deploy(@PathParam("agent_id") String id, Body body, @Context HttpHeaders headers) {
        }

        void settings(Map<String, Object> anything) {
        }
    }

    private static boolean reads(String name) {
        for (var method : Operations.class.getDeclaredMethods()) {
            if (method.getName().equals(name)) {
                return UnexpectedBodies.readsBody(method);
            }
        }
        throw new AssertionError(name);
    }

    @Test
    void anOperationReadsABodyWhenAParameterIsBoundToNothingElse() {
        assertFalse(reads("rollback"), "path, query and context only");
        assertFalse(reads("run"), "RESTEasy Reactive's own annotations and its injected types");
        assertTrue(reads("deploy"));
        assertTrue(reads("settings"));
    }
}
