package dev.warden.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyEncodingTest {

    @Test
    void theCharsetParameterIsFoundInAnyCaseQuotedOrNotAmongOthers() {
        assertNull(BodyEncoding.charset("application/json"));
        assertNull(BodyEncoding.charset("application/json; profile=x"));
        assertEquals("utf-8", BodyEncoding.charset("application/json; charset=utf-8"));
        assertEquals("ISO-8859-1", BodyEncoding.charset("application/json;CHARSET=\"ISO-8859-1\""));
        assertEquals("UTF-16", BodyEncoding.charset("application/json; profile=x ; Charset = UTF-16"));
        assertEquals("", BodyEncoding.charset("application/json; charset="));
    }

    @Test
    void aJsonBodyMayBeUtf8OnlyByItsFirstBytes() {
        String json = "{\"a\": 1}";
        assertTrue(BodyEncoding.Utf8Only.utf8(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(BodyEncoding.Utf8Only.utf8(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{'}), "UTF-8's own mark");
        assertTrue(BodyEncoding.Utf8Only.utf8(new byte[] {'1'}), "a short body");
        for (java.nio.charset.Charset other : java.util.List.of(java.nio.charset.StandardCharsets.UTF_16,
                java.nio.charset.StandardCharsets.UTF_16BE, java.nio.charset.StandardCharsets.UTF_16LE,
                java.nio.charset.Charset.forName("UTF-32BE"), java.nio.charset.Charset.forName("UTF-32LE"))) {
            assertFalse(BodyEncoding.Utf8Only.utf8(java.util.Arrays.copyOf(json.getBytes(other), 4)), other.name());
        }
    }

    @Test
    void aBodyThatIsNotWellFormedUtf8IsNotUtf8() {
        assertTrue(BodyEncoding.Utf8Only.wellFormed("{\"name\": \"caf\u00e9 \u30c1 \ud83d\ude00\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertFalse(BodyEncoding.Utf8Only.wellFormed(new byte[] {'"', 'a', (byte) 0xc0, (byte) 0xaf, 'b', '"'}), "overlong /");
        assertFalse(BodyEncoding.Utf8Only.wellFormed(new byte[] {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'}), "a surrogate");
        assertFalse(BodyEncoding.Utf8Only.wellFormed(new byte[] {'"', (byte) 0xff, '"'}), "no sequence has it");
        assertFalse(BodyEncoding.Utf8Only.wellFormed(new byte[] {'"', (byte) 0xe2, (byte) 0x82}), "cut short");
    }
}
