package dev.warden.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpAddressesTest {

    @Test
    void dottedQuadsAndIpv6AreAddresses() {
        for (String ip : List.of("0.0.0.0", "10.0.0.1", "255.255.255.255", "::1", "2001:db8::1", "::ffff:1.2.3.4",
                "1:2:3:4:5:6:7:8",
                // RFC 4291's third form after six groups (a user trial's was refused) and after a compressed run
                "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4", "::1.2.3.4")) {
            assertTrue(IpAddresses.isLiteral(ip), ip);
        }
    }

    @Test
    void whatOnlyLooksLikeOneIsNot() {
        for (String ip : List.of("", "999.1.1.1", "1.2.3", "1.2.3.4:80", "01.02.03.04", "256.0.0.1", "1.2.3.4.5",
                "host:port:x", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", ":::", "example.com", "2130706433", "1.2.3.4 ",
                "1:2:3:4:5:6:7:1.2.3.4", "::01.2.3.4", "::1.2.3.256", "::1.2.3", "1.2.3.4::", "[::1]", "[2001:db8::1]")) {
            assertFalse(IpAddresses.isLiteral(ip), ip);
        }
    }
}
