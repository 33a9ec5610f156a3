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

    @Test
    void aQueryIsUtf8OncePercentDecoded() {
        for (String ok : List.of("q=caf%C3%A9", "q=%F0%9F%A4%96", "q=plain", "q=100%", "q=%zz", "q=a%2", "")) {
            org.junit.jupiter.api.Assertions.assertTrue(QueryParameters.percentDecodesToUtf8(ok), ok);
        }
        for (String bad : List.of("q=%C3", "q=%C3%28", "q=%FF", "q=%ED%A0%80", "%C3=1")) {
            org.junit.jupiter.api.Assertions.assertFalse(QueryParameters.percentDecodesToUtf8(bad), bad);
        }
    }
}
