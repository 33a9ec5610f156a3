package dev.warden.api;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboundUrlsTest {

    @Test
    void addressesAndNamesThatPointInsideAreInternal() {
        for (String url : List.of("http://127.0.0.1/", "http://127.1.2.3:8080/x", "http://[::1]/", "http://0.0.0.0/",
                "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://172.16.3.4/", "http://192.168.1.1/",
                "http://100.100.100.200/", "http://[fd00:ec2::254]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/",
                "http://[::ffff:a9fe:a9fe]/", "http://localhost:8080/", "http://LOCALHOST./", "http://api.localhost/",
                "http://metadata.google.internal/", "http://metadata/", "http://db.default.svc.cluster.local/",
                "http://printer.local/", "http://2130706433/", "http://0x7f000001/", "http://017700000001/",
                "http://224.0.0.1/", "http://300.1.1.1/",
                // the loopback names of common /etc/hosts files (a security trial's passed)
                "http://localhost.localdomain/", "http://ip6-localhost/", "http://ip6-loopback/", "http://localhost6/",
                "http://localhost6.localdomain6/", "http://box.localdomain/", "http://localhost4/",
                "http://localhost4.localdomain4/", "http://broadcasthost/", "http://nas.home.arpa/",
                // one label: completed by search domains (kubernetes is a cluster's API server)
                "http://kubernetes/", "http://db:5432/", "http://intranet./",
                // IPv4 inside IPv6: NAT64, 6to4, IPv4-compatible, local-use NAT64; and zone ids, resolvable or not
                "http://[64:ff9b::7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:7f00:1::]/",
                "http://[2002:a00:1::5]/", "http://[::127.0.0.1]/", "http://[64:ff9b:1::808:808]/",
                "http://[fe80::1%25eth0]/", "http://[::1%25lo]/", "http://[2606:4700::1111%25nosuch]/")) {
            assertNotNull(OutboundUrls.internalTarget(URI.create(url)), url);
        }
    }

    @Test
    void publicNamesAndAddressesAreNot() {
        for (String url : List.of("https://hooks.slack.com/services/T0/B0/x", "https://mcp.example.com:8443/sse",
                "http://93.184.216.34/", "https://[2606:4700:4700::1111]/", "https://xn--bcher-kva.example/",
                "http://[64:ff9b::5db8:d822]/", "http://[2002:5db8:d822::1]/")) {
            assertNull(OutboundUrls.internalTarget(URI.create(url)), url);
        }
    }

    @Test
    void theAllowListAdmitsByCidrNameOrSuffix() {
        List<String> allow = List.of("10.20.0.0/16", "mcp.corp.example", "*.tools.corp.example", "fd00::/8");
        assertTrue(OutboundUrls.admitted(URI.create("http://10.20.3.4/"), allow));
        assertFalse(OutboundUrls.admitted(URI.create("http://10.21.3.4/"), allow));
        assertTrue(OutboundUrls.admitted(URI.create("http://MCP.corp.example/"), allow));
        assertTrue(OutboundUrls.admitted(URI.create("http://a.b.tools.corp.example/"), allow));
        assertFalse(OutboundUrls.admitted(URI.create("http://tools.corp.example.evil.test/"), allow));
        assertTrue(OutboundUrls.admitted(URI.create("http://[fd00::5]/"), allow));
        assertFalse(OutboundUrls.admitted(URI.create("http://169.254.169.254/"), allow));
        // Not an address at all (a zone id naming no interface): admitted by nothing, and never an exception
        assertFalse(OutboundUrls.admitted(URI.create("http://[fd00::5%25nosuch]/"), allow));
    }

    @Test
    void allowListEntriesAreChecked() {
        for (String ok : List.of("10.0.0.0/8", "fd00::/8", "192.168.1.7", "mcp.corp.example", "*.corp.example")) {
            assertNull(OutboundUrls.invalidEntry(ok), ok);
        }
        for (String bad : List.of("", "10.0.0.0/33", "10.0.0/8", "*", "*.", "http://x", "a b", "10.0.0.0/x",
                // a colon made anything an IPv6 literal
                "host:port:x", "1.2.3.4:80", "*.a:80", "010.0.0.1", "999.1.1.1", "fe80::1%eth0", "fd00::g/8")) {
            assertNotNull(OutboundUrls.invalidEntry(bad), bad);
        }
    }

    @Test
    void atCallTimeEveryResolvedAddressIsCheckedSoANameThatResolvesInsideIsRefused() throws Exception {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> OutboundUrls.resolve(URI.create("http://localhost:9/"), List.of()));
        assertTrue(refused.getMessage().contains("loopback"), refused.getMessage());
        assertEquals(List.of(InetAddress.getByName("127.0.0.1")),
                OutboundUrls.resolve(URI.create("http://127.0.0.1:9/"), List.of("127.0.0.0/8")));
        assertThrows(IllegalArgumentException.class, () -> OutboundUrls.resolve(URI.create("http://127.0.0.1:9/"), List.of("10.0.0.0/8")));
        assertEquals(List.of(InetAddress.getByName("93.184.216.34")),
                OutboundUrls.resolve(URI.create("http://93.184.216.34/"), List.of()));
    }
}
