package dev.warden.api;

import jakarta.ws.rs.QueryParam;
import org.jboss.resteasy.reactive.RestQuery;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RepeatedQueryParametersTest {

    @SuppressWarnings("unused")
    void list(@QueryParam("status") String status, @QueryParam("tag") List<String> tag, @QueryParam("id") String[] ids,
              @RestQuery("limit") Integer limit, String body) {
    }

    @Test
    void theParametersReadAsOneValueAreTheOnesThatMayNotRepeat() throws NoSuchMethodException {
        var method = getClass().getDeclaredMethod("list", String.class, List.class, String[].class, Integer.class,
                String.class);
        assertEquals(Set.of("status", "limit"), RepeatedQueryParameters.singleValued(method));
    }
}
