package dev.warden.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AcceptHeaderTest {

    @Test
    void onlyAnAcceptTakingJsonAndNoEventStreamGetsTheStreamAdded() {
        assertEquals("application/json, " + AcceptHeader.EVENTS_ADDED, AcceptHeader.rewritten("application/json"));
        assertEquals("application/json;q=0.9, application/zip, " + AcceptHeader.EVENTS_ADDED,
                AcceptHeader.rewritten("application/json;q=0.9, application/zip"));
        assertEquals("Application/JSON, " + AcceptHeader.EVENTS_ADDED, AcceptHeader.rewritten("Application/JSON"));
        assertEquals("text/event-stream", AcceptHeader.rewritten("text/event-stream"));
        assertEquals("application/json, text/event-stream", AcceptHeader.rewritten("application/json, text/event-stream"));
        assertEquals("*/*", AcceptHeader.rewritten("*/*"), "takes the stream already");
        assertEquals("application/xml", AcceptHeader.rewritten("application/xml"), "takes neither: still a 406");
        assertEquals("text/html", AcceptHeader.rewritten("text/html"));
    }

    @Test
    void aQualityOfZeroRefusesItsTypeAndTheMostSpecificRangeDecides() {
        assertNull(AcceptHeader.rewritten("application/json;q=0"), "refuses JSON and names nothing else: a 406");
        assertNull(AcceptHeader.rewritten("application/json; q=0.000, text/html"));
        assertNull(AcceptHeader.rewritten("*/*;q=0"));
        assertEquals("text/event-stream, application/zip", AcceptHeader.rewritten("*/*, application/json;q=0"));
        assertEquals("application/json, " + AcceptHeader.EVENTS_ADDED, AcceptHeader.rewritten("application/json, application/zip;q=0"));
        assertEquals("application/json", AcceptHeader.rewritten("application/*, text/event-stream;q=0, application/zip;q=0"),
                "an event stream refused is not added");
        assertEquals("application/json;q=0.5", AcceptHeader.rewritten("*/*;q=0, application/json;q=0.5"),
                "the type's own range decides over the wildcard");
        assertEquals("application/zip;q=0.2", AcceptHeader.rewritten("application/*;q=0.2, application/json;q=0"));
    }

    /** Quarkus REST took {@code q=abc} and {@code q=1.5} at full quality (a security trial). */
    @Test
    void aQualityThatIsNoNumberFromZeroToOneIsA400() {
        for (String accept : List.of("application/json;q=2", "application/json;q=abc, */*;q=0", "application/json;q=1.5",
                "application/json;q=0.0001", "application/json;q=", "application/json;q=-0")) {
            ApiException refused = assertThrows(ApiException.class, () -> AcceptHeader.rewritten(accept), accept);
            assertEquals(400, refused.status(), accept);
        }
        assertEquals("application/json;q=1.000, " + AcceptHeader.EVENTS_ADDED, AcceptHeader.rewritten("application/json;q=1.000"));
    }

    @Test
    void aRangeWithoutAMediaTypeIsA400AndAnAcceptNamingNoTypeIsAny() {
        // ";" split to nothing and was an ArrayIndexOutOfBoundsException: a 500 on every service (a user trial)
        assertEquals("*/*", AcceptHeader.rewritten(";"));
        assertEquals("*/*", AcceptHeader.rewritten(";;, ,"));
        assertEquals("application/json, " + AcceptHeader.EVENTS_ADDED, AcceptHeader.rewritten(",application/json,"));
        assertEquals("text/html, */*", AcceptHeader.rewritten("text/html,, */*"));
        for (String accept : List.of(";;;,/", "json", "/json", "application/", "application/json/x", "a b/c")) {
            ApiException refused = assertThrows(ApiException.class, () -> AcceptHeader.rewritten(accept), accept);
            assertEquals(400, refused.status(), accept);
        }
    }
}
