package dev.warden.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientAddressesTest {

    private final ClientAddresses cluster = new ClientAddresses(List.of("10.0.0.0/8", " 127.0.0.1 ", "fd00::/8"));

    @Test
    void fromAnUntrustedConnectionTheHeaderIsIgnored() {
        assertEquals("203.0.113.9", cluster.of("203.0.113.9", List.of("198.51.100.1")));
        assertEquals("unknown", cluster.of(null, List.of("198.51.100.1")));
    }

    @Test
    void aGatewayThatReplacesTheHeaderGivesTheCaller() {
        assertEquals("198.51.100.7", cluster.of("127.0.0.1", List.of("198.51.100.7")));
        assertEquals("127.0.0.1", cluster.of("127.0.0.1", List.of()), "no header: the proxy's own address");
    }

    @Test
    void behindAnAppendingProxyWhatTheCallerWroteOnTheLeftIsNotBelieved() {
        // The caller sent "X-Forwarded-For: 192.0.2.1"; the gateway (10.1.2.3) appended the caller's real address.
        assertEquals("203.0.113.9", cluster.of("10.1.2.3", List.of("192.0.2.1, 203.0.113.9")));
        assertEquals("203.0.113.9", cluster.of("10.1.2.3", List.of("192.0.2.1", "203.0.113.9")), "two header lines");
        // Two proxies of the cluster, the outer one appending too.
        assertEquals("203.0.113.9", cluster.of("10.1.2.3", List.of("192.0.2.1,203.0.113.9, 10.9.9.9")));
    }

    @Test
    void everyHopTrustedGivesTheLeftMostAndAMalformedHopEndsTheWalk() {
        assertEquals("10.0.0.5", cluster.of("10.1.2.3", List.of("10.0.0.5, 10.0.0.6")));
        assertEquals("10.0.0.6", cluster.of("10.1.2.3", List.of("203.0.113.1, not-an-address, 10.0.0.6")));
        assertEquals("10.1.2.3", cluster.of("10.1.2.3", List.of("unknown")));
        assertEquals("10.1.2.3", cluster.of("10.1.2.3", List.of("010.0.0.1")), "a leading zero reads as octal somewhere");
    }

    @Test
    void portsBracketsAndIpv6SpellingsAreOneAddress() {
        assertEquals("203.0.113.9", cluster.of("10.1.2.3", List.of("203.0.113.9:4711")));
        assertEquals("2001:db8::1", cluster.of("10.1.2.3", List.of("[2001:db8:0:0::1]:443")));
        assertEquals("2001:db8::1", cluster.of("10.1.2.3", List.of("2001:DB8:0000::1")));
        assertEquals("2001:db8::1", cluster.of("fd12::1", List.of("2001:db8::1")));
        assertTrue(cluster.isTrusted("::ffff:10.4.5.6"), "an IPv4-mapped address is the IPv4 address");
        assertEquals("203.0.113.9", cluster.of("10.1.2.3", List.of("::ffff:203.0.113.9")), "one client, one address");
        assertEquals("::1", cluster.of("0:0:0:0:0:0:0:1", List.of()), "a direct peer's address, canonical too");
    }

    @Test
    void blocksMatchOnTheirPrefixOnly() {
        ClientAddresses narrow = new ClientAddresses(List.of("10.244.1.0/26"));
        assertTrue(narrow.isTrusted("10.244.1.63"));
        assertFalse(narrow.isTrusted("10.244.1.64"));
        assertFalse(narrow.isTrusted("10.244.2.1"));
        assertFalse(narrow.isTrusted("2001:db8::1"));
        assertTrue(new ClientAddresses(List.of("0.0.0.0/0")).isTrusted("192.0.2.200"));
        assertFalse(new ClientAddresses(List.of()).isTrusted("127.0.0.1"));
    }

    @Test
    void anEntryThatIsNotAnAddressOrBlockIsRefused() {
        for (String entry : List.of("localhost", "10.0.0.0/33", "10.0.0.0/x", "fd00::/129", "10.0.0.0/-1")) {
            assertThrows(IllegalArgumentException.class, () -> new ClientAddresses(List.of(entry)), entry);
        }
    }
}
