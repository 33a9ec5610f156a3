package dev.warden.events;

import dev.warden.events.agent.AgentVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Sizes are measured as UTF-8 without encoding (an event's, a compliance package's, a version's configuration). */
class EventJsonTest {

    @Test
    void theUtf8LengthIsTheEncodedLength() {
        for (String text : new String[]{"", "plain ascii", "é and ß", "中文 three bytes", "emoji \uD83D\uDE00 four",
                "mixed a\u00e9\u4e2d\uD83D\uDE00z"}) {
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, EventJson.utf8Length(text), text);
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, AgentVersion.configBytes(text), text);
        }
        assertEquals(0, AgentVersion.configBytes(null));
    }
}
