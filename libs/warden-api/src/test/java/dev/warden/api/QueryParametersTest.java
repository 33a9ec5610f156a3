package dev.warden.api;

import jakarta.ws.rs.QueryParam;
import org.jboss.resteasy.reactive.RestQuery;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QueryParametersTest {

    @SuppressWarnings("unused")
    void list(@QueryParam("status") String status, @QueryParam("tag") List<String> tag, @QueryParam("id") String[] ids,
              @RestQuery("limit") Integer limit, String body) {
    }

    @Test
    void anOperationTakesTheParametersItReadsAndOnlyItsSingleValuedOnesMayNotRepeat() throws NoSuchMethodException {
        var method = getClass().getDeclaredMethod("list", String.class, List.class, String[].class, Integer.class,
                String.class);
        QueryParameters.Known known = QueryParameters.read(method);
        assertEquals(Set.of("status", "tag", "id", "limit"), known.all());
        assertEquals(Set.of("status", "limit"), known.single());
    }
}
