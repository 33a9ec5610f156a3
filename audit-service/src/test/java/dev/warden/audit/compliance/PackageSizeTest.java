package dev.warden.audit.compliance;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A package's entries are measured as UTF-8 without encoding them: the count matches the encoding's. */
class PackageSizeTest {

    @Test
    void theUtf8LengthIsTheEncodedLength() {
        for (String text : new String[]{"", "plain ascii", "é and ß", "中文 three bytes", "emoji \uD83D\uDE00 four",
                "mixed a\u00e9\u4e2d\uD83D\uDE00z"}) {
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, ComplianceBuilder.utf8Length(text), text);
        }
    }
}
