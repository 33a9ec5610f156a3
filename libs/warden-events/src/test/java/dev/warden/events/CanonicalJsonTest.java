package dev.warden.events;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class CanonicalJsonTest {

    /** The example of RFC 8785, section 3.2.2: numbers as ECMAScript writes them, minimal string escapes, sorted keys. */
    @Test
    void theRfc8785ExampleCanonicalizesAsTheRfcSays() {
        String input = """
                {
                  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                  "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
                  "literals": [null, true, false]
                }""";
        assertEquals("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                        + "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}",
                CanonicalJson.canonical(EventJson.tree(input)));
    }

    @Test
    void keysSortByUtf16CodeUnitsAtEveryDepth() {
        String input = "{\"b\":{\"\\u20ac\":1,\"\\ud83d\\ude00\":2,\"a\":[{\"z\":1,\"y\":2}]},\"a\":\"x\"}";
        assertEquals("{\"a\":\"x\",\"b\":{\"a\":[{\"y\":2,\"z\":1}],\"€\":1,\"😀\":2}}",
                CanonicalJson.canonical(EventJson.tree(input)));
    }

    @Test
    void theLegacyFormDiffersOnlyWhereJacksonWritesNumbersOrEscapesOtherwise() {
        String plain = "{\"b\":[1,2,{\"d\":null}],\"a\":\"text € \\\" \\n\"}";
        assertEquals(CanonicalJson.canonical(EventJson.tree(plain)), CanonicalJson.legacy(EventJson.tree(plain)));
        String numbers = "{\"n\":1E30}";
        assertNotEquals(CanonicalJson.canonical(EventJson.tree(numbers)), CanonicalJson.legacy(EventJson.tree(numbers)));
    }
}
