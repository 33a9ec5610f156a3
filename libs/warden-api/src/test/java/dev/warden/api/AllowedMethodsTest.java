package dev.warden.api;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AllowedMethodsTest {

    @Path("/v1/things")
    public static class Things {
        @GET
        public void list() {
        }

        @POST
        public void create() {
        }

        @GET
        @Path("{thing_id}")
        public void get() {
        }

        @PATCH
        @Path("/{thing_id}/")
        public void patch() {
        }

        @DELETE
        @Path("{thing_id}/parts/{part_id}")
        public void removePart() {
        }
    }

    @Path("/v1/gadgets")
    public static class Gadgets {
        @POST
        @Path("/register")
        public void register() {
        }

        @GET
        @Path("/{id}")
        public void get() {
        }

        @DELETE
        @Path("/{id}")
        public void remove() {
        }
    }

    @Path("/v1/things/special")
    public static class SpecialThings {
        @POST
        public void make() {
        }
    }

    @Test
    void aLiteralClassPathTakesItsPathFromATemplateOfAnotherClass() {
        // Quarkus REST routes /v1/things/special to SpecialThings alone: a GET there is a 405 that allows POST only
        List<AllowedMethods.Route> routes = AllowedMethods.routes(List.of(Things.class, SpecialThings.class));
        assertEquals(Set.of("OPTIONS", "POST"), AllowedMethods.allowed(routes, "/v1/things/special"));
        assertEquals(Set.of("GET", "HEAD", "OPTIONS", "PATCH"), AllowedMethods.allowed(routes, "/v1/things/42"));
    }

    @Test
    void aLiteralTemplateTakesItsPathFromATemplateOfTheSameClass() {
        List<AllowedMethods.Route> routes = AllowedMethods.routes(List.of(Gadgets.class));
        assertEquals(Set.of("OPTIONS", "POST"), AllowedMethods.allowed(routes, "/v1/gadgets/register"));
        assertEquals(Set.of("DELETE", "GET", "HEAD", "OPTIONS"), AllowedMethods.allowed(routes, "/v1/gadgets/g-1"));
        // What the request filter answers 405 for: GET /v1/gadgets/register routed to /v1/gadgets/{id}
        assertEquals(Set.of("/v1/gadgets/register"), AllowedMethods.literalsMatching(routes, "/v1/gadgets/{id}"));
        assertEquals(Set.of(), AllowedMethods.literalsMatching(routes, "/v1/gadgets/register"));
    }

    @Test
    void eachPathNamesItsOwnMethodsNotTheClasss() {
        List<AllowedMethods.Route> routes = AllowedMethods.routes(List.of(Things.class));
        assertEquals(Set.of("GET", "HEAD", "OPTIONS", "POST"), AllowedMethods.allowed(routes, "/v1/things"));
        assertEquals(Set.of("GET", "HEAD", "OPTIONS", "PATCH"), AllowedMethods.allowed(routes, "/v1/things/42/"));
        assertEquals(Set.of("DELETE", "OPTIONS"), AllowedMethods.allowed(routes, "/v1/things/42/parts/7"));
        assertEquals(Set.of(), AllowedMethods.allowed(routes, "/v1/things/42/parts"));
    }
}
