package dev.warden.api;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What a number too large for its field's type is told: the range the field declares, else its type's. */
class OutOfRangeTest {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Score(@Schema(minimum = "0", maximum = "100") Integer riskScore, Integer count, Long total) {
    }

    record Body(Score score, List<Score> scores) {
    }

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aDeclaredRangeIsTheOneTold() {
        assertEquals("must be an integer from 0 to 100", reason("{\"score\": {\"risk_score\": 99999999999}}"));
        assertEquals("must be an integer from 0 to 100", reason("{\"scores\": [{}, {\"risk_score\": -99999999999}]}"));
    }

    @Test
    void withoutOneTheTypesRangeIsTold() {
        assertEquals("must be an integer from -2147483648 to 2147483647", reason("{\"score\": {\"count\": 99999999999}}"));
        assertEquals("must be an integer from -9223372036854775808 to 9223372036854775807",
                reason("{\"score\": {\"total\": 99999999999999999999}}"));
    }

    private String reason(String json) {
        JsonMappingException e = assertThrows(JsonMappingException.class, () -> mapper.readValue(json, Body.class));
        return ErrorMappers.outOfRange(e);
    }
}
