package dev.warden.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventStreamAcceptTest {

    @Test
    void onlyAnAcceptTakingJsonAndNoEventStreamGetsTheStreamAdded() {
        assertTrue(EventStreamAccept.takesJsonNotEvents("application/json"));
        assertTrue(EventStreamAccept.takesJsonNotEvents("application/json;q=0.9, application/zip"));
        assertTrue(EventStreamAccept.takesJsonNotEvents("Application/JSON"));
        assertFalse(EventStreamAccept.takesJsonNotEvents("text/event-stream"));
        assertFalse(EventStreamAccept.takesJsonNotEvents("application/json, text/event-stream"));
        assertFalse(EventStreamAccept.takesJsonNotEvents("*/*"), "takes the stream already");
        assertFalse(EventStreamAccept.takesJsonNotEvents("application/xml"), "takes neither: still a 406");
        assertFalse(EventStreamAccept.takesJsonNotEvents("text/html"));
    }
}
