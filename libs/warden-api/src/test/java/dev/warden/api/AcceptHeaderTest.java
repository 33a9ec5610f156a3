package dev.warden.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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

    @Test
    void anAcceptThatCannotBeReadIsLeftToQuarkus() {
        assertEquals("application/json;q=2", AcceptHeader.rewritten("application/json;q=2"));
        assertEquals("application/json;q=abc, */*;q=0", AcceptHeader.rewritten("application/json;q=abc, */*;q=0"));
    }
}
