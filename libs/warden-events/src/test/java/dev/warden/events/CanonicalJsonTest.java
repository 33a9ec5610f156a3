package dev.warden.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

import java.util.Random;

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

    /** The library's canonicalizer, which parses the JSON text again, is the oracle for the tree writer. */
    @Test
    void randomDocumentsCanonicalizeExactlyAsTheLibraryDoes() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            // The library canonicalizes objects and arrays only; a hashed entry is always an object.
            JsonNode doc = JsonNodeFactory.instance.objectNode().set("v", randomValue(random, 0));
            String expected = new JsonCanonicalizer(EventJson.write(doc)).getEncodedString();
            assertEquals(expected, CanonicalJson.canonical(doc), "seed " + seed + ", document " + EventJson.write(doc));
        }
    }

    private static JsonNode randomValue(Random random, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        int kind = depth > 3 ? 2 + random.nextInt(5) : random.nextInt(7);
        return switch (kind) {
            case 0 -> {
                ObjectNode o = f.objectNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    o.set(randomString(random), randomValue(random, depth + 1));
                }
                yield o;
            }
            case 1 -> {
                ArrayNode a = f.arrayNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    a.add(randomValue(random, depth + 1));
                }
                yield a;
            }
            case 2 -> f.textNode(randomString(random));
            case 3 -> switch (random.nextInt(6)) {
                case 0 -> f.numberNode(random.nextInt());
                case 1 -> f.numberNode(random.nextLong());
                case 2 -> f.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(60) - 30));
                case 3 -> f.numberNode(-random.nextDouble() * 1e21);
                case 4 -> f.numberNode(new java.math.BigDecimal(random.nextInt(100_000) + "." + random.nextInt(1000)));
                default -> f.numberNode(new java.math.BigInteger(80, random));
            };
            case 4 -> f.booleanNode(random.nextBoolean());
            case 5 -> f.nullNode();
            default -> f.textNode("");
        };
    }

    private static String randomString(Random random) {
        String alphabet = "aZ09 \"\\/\b\f\n\r\t\u0000\u001f\u007f\u00e9\u20ac\u2028\u2029\ud83d\ude00\uffff";
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(8); i > 0; i--) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    @Test
    void theLegacyFormDiffersOnlyWhereJacksonWritesNumbersOrEscapesOtherwise() {
        String plain = "{\"b\":[1,2,{\"d\":null}],\"a\":\"text € \\\" \\n\"}";
        assertEquals(CanonicalJson.canonical(EventJson.tree(plain)), CanonicalJson.legacy(EventJson.tree(plain)));
        String numbers = "{\"n\":1E30}";
        assertNotEquals(CanonicalJson.canonical(EventJson.tree(numbers)), CanonicalJson.legacy(EventJson.tree(numbers)));
    }

    /** A part held as its canonical text writes as the tree it came from would, wherever it stands. */
    @Test
    void aPartHeldAsItsCanonicalTextWritesAsItsTree() {
        JsonNode entry = EventJson.tree("{\"z\":1.5,\"a\":[\"\\u0007\",true,null],\"m\":{\"y\":\"é\",\"b\":2}}");
        ObjectNode whole = JsonNodeFactory.instance.objectNode();
        whole.putArray("entries").add(entry).add(entry);
        whole.put("id", "p");
        ObjectNode parts = JsonNodeFactory.instance.objectNode();
        JsonNode part = CanonicalJson.Canonical.of(entry).node();
        parts.putArray("entries").add(part).add(part);
        parts.put("id", "p");

        assertEquals(CanonicalJson.canonical(whole), CanonicalJson.canonical(parts, 16));
        assertEquals(new JsonCanonicalizerText(CanonicalJson.canonical(whole)).text(), CanonicalJson.canonical(parts));
    }

    private record JsonCanonicalizerText(String json) {
        String text() {
            try {
                return new JsonCanonicalizer(json).getEncodedString();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
