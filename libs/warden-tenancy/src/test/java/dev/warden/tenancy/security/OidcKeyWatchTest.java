package dev.warden.tenancy.security;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the watch makes of the provider's key sets, one after another (its reading them: AccessTest in agent-service). */
class OidcKeyWatchTest {

    private final OidcKeyWatch watch = new OidcKeyWatch(true, Optional.of("https://idp.example/realms/r"), Optional.empty(),
            null, null);

    @Test
    void aKeyOnceSeenPublishedAndThenNoLongerIsWithdrawnUntilItIsPublishedAgain() {
        watch.published(Set.of("k1"));
        assertFalse(watch.withdrawn(token("k1")));

        watch.published(Set.of("k2"));
        assertTrue(watch.withdrawn(token("k1")), "k1 dropped");
        assertFalse(watch.withdrawn(token("k2")));
        assertFalse(watch.withdrawn(token("k3")), "never seen: Quarkus' business");

        watch.published(Set.of("k3"));
        assertTrue(watch.withdrawn(token("k1")), "still withdrawn after a later change");
        assertTrue(watch.withdrawn(token("k2")));

        watch.published(Set.of("k1", "k3"));
        assertFalse(watch.withdrawn(token("k1")), "published again");
        assertTrue(watch.withdrawn(token("k2")));
    }

    @Test
    void theKeyIdIsReadFromTheTokensHeaderAndWhatIsNoJwtNamesNone() {
        assertEquals("k1", OidcKeyWatch.keyId(token("k1")));
        assertNull(OidcKeyWatch.keyId(encode("{\"alg\":\"RS256\"}") + ".e30.sig"), "no kid");
        assertNull(OidcKeyWatch.keyId(encode("{\"kid\":7}") + ".e30.sig"), "not a text");
        assertNull(OidcKeyWatch.keyId("not-a-jwt"));
        assertNull(OidcKeyWatch.keyId("%%%.e30.sig"));
        watch.published(Set.of("k1"));
        watch.published(Set.of());
        assertFalse(watch.withdrawn("not-a-jwt"));
    }

    private static String token(String kid) {
        return encode("{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"}") + ".e30.c2ln";
    }

    private static String encode(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
