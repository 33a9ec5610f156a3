package dev.warden.api;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PageRequestTest {

    @Test
    void aCursorRoundTripsItsPositionAndId() {
        UUID id = UUID.randomUUID();
        Instant at = Instant.parse("2026-03-15T10:00:00.123456Z");
        PageRequest.Cursor cursor = PageRequest.Cursor.decode(PageRequest.Cursor.at(at, id).encode());
        assertEquals(at, cursor.instant());
        assertEquals(id, cursor.id());
    }

    @Test
    void aCursorThisApiDidNotReturnIsABadRequestNamingTheField() {
        ApiException refused = assertThrows(ApiException.class, () -> PageRequest.parse(null, "not-a-cursor", null));
        assertEquals(400, refused.status());
    }

    @Test
    void aForgedCursorIsRefusedNotMisread() {
        UUID id = UUID.randomUUID();
        for (String text : List.of("n12x:" + id, "n١٢:" + id, "n12:1-1-1-1-1", "n99999999999999999999:" + id,
                "12:" + id, "x12:" + id)) {
            String raw = java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThrows(ApiException.class, () -> PageRequest.Cursor.decode(raw), text);
        }
        // A version past an integer column's range would wrap round to a negative number: refused instead
        assertThrows(ApiException.class, () -> new PageRequest.Cursor(2_147_483_648L, id).version());
        assertEquals(7, new PageRequest.Cursor(7, id).version());
    }

    /** A time list's cursor is no sequence and a sequence is no time: a 400, not a far position read as the end. */
    @Test
    void aCursorOfTheOtherKindIsRefused() {
        UUID id = UUID.randomUUID();
        PageRequest.Cursor time = PageRequest.Cursor.decode(PageRequest.Cursor.at(Instant.now(), id).encode());
        assertThrows(ApiException.class, time::sequence);
        assertThrows(ApiException.class, time::version);
        PageRequest.Cursor number = PageRequest.Cursor.decode(new PageRequest.Cursor(42, id).encode());
        assertThrows(ApiException.class, number::instant);
        assertEquals(42, number.sequence());
    }

    @Test
    void limitsOutsideTheRangeAreRefused() {
        assertThrows(ApiException.class, () -> PageRequest.parse("\uFF15", null, null)); // a full-width 5
        assertThrows(ApiException.class, () -> PageRequest.parse("0", null, null));
        assertThrows(ApiException.class, () -> PageRequest.parse("501", null, null));
        assertThrows(ApiException.class, () -> PageRequest.parse("1.5", null, null));
        assertEquals(PageRequest.DEFAULT_LIMIT, PageRequest.parse(null, null, null).limit());
    }

    @Test
    void aListPromisedWholeAnswersEveryItemUpToTheBoundWithoutLimitAndAPageWithIt() {
        assertEquals(PageRequest.WHOLE_BOUND, PageRequest.parseWhole(null, null, null).limit());
        assertEquals(PageRequest.WHOLE_BOUND, PageRequest.parseWhole("", null, null).limit());
        assertEquals(7, PageRequest.parseWhole("7", null, null).limit());
        assertThrows(ApiException.class, () -> PageRequest.parseWhole("501", null, null));
        assertThrows(ApiException.class, () -> PageRequest.parseWhole("0", null, null));
        assertEquals(1000, PageRequest.wholeLimit("1000", 1000));
    }

    @Test
    void booleansAreReadInAnyCaseAsPythonClientsSendThem() {
        assertEquals(Boolean.TRUE, Params.optionalBoolean("online", "True"));
        assertEquals(Boolean.FALSE, Params.optionalBoolean("online", "FALSE"));
        assertEquals(Boolean.TRUE, Params.optionalBoolean("online", "true"));
        assertNull(Params.optionalBoolean("online", ""));
        ApiException refused = assertThrows(ApiException.class, () -> Params.optionalBoolean("online", "1"));
        assertEquals(400, refused.status());
        assertThrows(ApiException.class, () -> Params.optionalBoolean("online", "tru\u0130"));
    }

    @Test
    void anUnrepresentableTimestampIsABadRequest() {
        assertThrows(ApiException.class, () -> PageRequest.parse(null, null, "+294277-01-01T00:00:00Z"));
    }
}
