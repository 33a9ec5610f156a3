package dev.warden.api;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StorableValuesTest {

    record Body(String name, List<String> tags, JsonNode metadata, java.time.Instant at) {
    }

    private final ObjectMapper mapper = strict();

    @Test
    void aNulInAnyStringOfABodyIsRefusedWithItsPath() {
        assertEquals("name", refusedAt("{\"name\": \"a\\u0000\"}"));
        assertEquals("tags[1]", refusedAt("{\"tags\": [\"ok\", \"b\\u0000\"]}"));
        assertEquals("metadata", refusedAt("{\"metadata\": {\"team\": {\"lead\": \"a\\u0000\"}}}"));
        assertEquals("metadata", refusedAt("{\"metadata\": {\"k\\u0000\": 1}}"));
    }

    @Test
    void aLoneSurrogateInAnyStringIsRefusedButAPairIsText() throws Exception {
        assertEquals("name", refusedAt("{\"name\": \"a\\ud800b\"}"));
        assertEquals("tags[0]", refusedAt("{\"tags\": [\"\\udfff\"]}"));
        assertEquals("metadata", refusedAt("{\"metadata\": {\"k\": \"\\ud800\"}}"));
        assertEquals("\uD83D\uDE00", mapper.readValue("{\"name\": \"\\ud83d\\ude00\"}", Body.class).name());
    }

    @Test
    void aTimestampPostgresCannotStoreIsRefused() {
        assertEquals("at", refusedAt("{\"at\": \"+294277-01-01T00:00:00Z\"}"));
    }

    @Test
    void aTimestampMayHaveAnyOffsetRfc3339Allows() throws Exception {
        assertEquals(java.time.Instant.parse("2026-10-25T10:44:24Z"),
                mapper.readValue("{\"at\": \"2026-10-26T10:43:24+23:59\"}", Body.class).at());
        assertEquals("at", refusedAt("{\"at\": \"2026-10-26T10:43:24+24:00\"}"));
    }

    @Test
    void aTimestampIsAnIsoStringNeverSecondsSince1970() {
        assertEquals("at", refusedAt("{\"at\": \"1767225600\"}"));
        assertEquals("at", refusedAt("{\"at\": 1767225600}"));
    }

    @Test
    void aDuplicatedKeyIsRefused() {
        assertThrows(com.fasterxml.jackson.core.JsonProcessingException.class,
                () -> mapper.readValue("{\"name\": \"a\", \"name\": \"b\"}", Body.class));
    }

    @Test
    void aNumberPastADoublesRangeIsRefusedNotTurnedIntoTheStringInfinity() throws Exception {
        assertEquals("metadata", refusedAt("{\"metadata\": {\"n\": 1e400}}"));
        assertEquals("metadata", refusedAt("{\"metadata\": {\"n\": [-1e400]}}"));
        assertEquals(1.5e308, mapper.readValue("{\"metadata\": {\"n\": 1.5e308}}", Body.class).metadata().get("n").asDouble());
    }

    @Test
    void contentAfterTheBodysValueIsRefused() {
        assertThrows(com.fasterxml.jackson.core.JsonProcessingException.class,
                () -> mapper.readValue("{\"name\": \"a\"} xyz", Body.class));
        assertThrows(com.fasterxml.jackson.core.JsonProcessingException.class,
                () -> mapper.readValue("{\"name\": \"a\"}{\"name\": \"b\"}", Body.class));
    }

    @Test
    void ordinaryTextIsUntouched() throws Exception {
        Body body = mapper.readValue("{\"name\": \"tri\\u00e4ge\", \"tags\": [\"a\"], \"metadata\": {\"k\": \"v\"}}", Body.class);
        assertEquals("triäge", body.name());
        assertEquals("v", body.metadata().get("k").asText());
    }

    private String refusedAt(String json) {
        JsonMappingException e = assertThrows(JsonMappingException.class, () -> mapper.readValue(json, Body.class));
        assertEquals(true, ErrorMappers.refusal(e) != null, () -> "not recognised as a NUL refusal: " + e);
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static ObjectMapper strict() {
        ObjectMapper mapper = new ObjectMapper();
        new StrictJson().customize(mapper);
        return mapper;
    }
}
