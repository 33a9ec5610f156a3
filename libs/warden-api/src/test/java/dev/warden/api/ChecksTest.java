package dev.warden.api;

import dev.warden.api.ErrorResponse.FieldError;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one line of text is, for a name a person or a log shows. */
class ChecksTest {

    @Test
    void oneLineRefusesLineBreaksControlsInvisibleSpacesAndOverridesAndKeepsWhatScriptsNeed() {
        for (String odd : List.of("a\nb", "a\rb", "a\u0085b", "a\u2028b", "a\u2029b", "a\u200Bb", "a\u2060b", "a\uFEFFb",
                "a\u202Eb", "a\u2067b", "a\u001b[2J", "a\u007fb")) {
            Checks checks = new Checks().oneLine("name", odd);
            assertEquals(List.of("name"), checks.errors().stream().map(FieldError::field).toList(), odd);
        }
        for (String fine : List.of("triage-agent", "Ünïcödé naïve", "می\u200Cخواهم", "👨\u200D👩\u200D👧", "שלום\u200F", "中文")) {
            assertTrue(new Checks().oneLine("name", fine).ok(), fine);
        }
    }

    @Test
    void eachOneLineNamesTheEntry() {
        Checks checks = new Checks().eachOneLine("tags", List.of("fine", "two\nlines"));
        assertEquals(List.of("tags[1]"), checks.errors().stream().map(FieldError::field).toList());
        assertTrue(new Checks().eachOneLine("tags", null).ok());
    }
}
