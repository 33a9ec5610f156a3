package dev.warden.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
}
