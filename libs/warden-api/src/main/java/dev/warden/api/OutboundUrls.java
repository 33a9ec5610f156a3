package dev.warden.api;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Outbound URLs that Warden stores and will call (webhooks, MCP servers) must not point inside: not at loopback,
 * link-local (cloud metadata at 169.254.169.254 included), private, carrier-grade NAT, unique-local or unspecified
 * addresses, nor at names that mean them ({@code localhost}, {@code metadata.google.internal}), unless the
 * organization's allow-list admits them. Checked twice: {@link #internalTarget} when the URL is stored (names are not
 * resolved then), and {@link #resolve} right before a call, on every address the name resolves to, so a name that
 * later resolves inside (DNS rebinding) is refused too. Allow-list entries are CIDR blocks ({@code 10.20.0.0/16}),
 * host names ({@code mcp.corp.example}) or name suffixes ({@code *.corp.example}).
 */
public final class OutboundUrls {

    private static final Pattern NAME = Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    /** Names that mean the host itself or its platform, with the loopback names of common /etc/hosts files. */
    private static final List<String> INTERNAL_NAMES = List.of("localhost", "metadata", "metadata.google.internal",
            "metadata.goog", "instance-data", "kubernetes.default", "localhost.localdomain", "localhost6",
            "localhost6.localdomain6", "ip6-localhost", "ip6-loopback", "ip6-allnodes", "ip6-allrouters", "localhost4",
            "localhost4.localdomain4", "ip6-localnet", "ip6-mcastprefix", "broadcasthost", "localdomain");

    private OutboundUrls() {
    }

    /**
     * Why {@code uri}'s host is internal, or null when it is a public-looking name or a public address. A host that is
     * neither a DNS name nor an IP literal (such as {@code 2130706433}, which some clients read as 127.0.0.1) counts
     * as internal.
     */
    public static String internalTarget(URI uri) {
        String host = host(uri);
        if (host == null) {
            return "has no host";
        }
        if (host.contains("%")) { // an IPv6 zone id ([fe80::1%25eth0]) names an interface of whatever host reads it
            return "carries an IPv6 zone id";
        }
        if (IpAddresses.isLiteral(host)) {
            try {
                return internalAddress(literal(host));
            } catch (IllegalArgumentException e) {
                return "is not a valid IP address";
            }
        }
        if (!NAME.matcher(host).matches()) {
            return "is neither a DNS name nor an IP address";
        }
        if (host.indexOf('.') < 0) {
            // A name of one label is completed by the resolver's search domains: a cluster's service (kubernetes is
            // its API server), a machine of the local network, the host itself. A public host has a domain.
            return "names a host without a domain (the resolver completes it with local search domains)";
        }
        if (INTERNAL_NAMES.contains(host) || host.endsWith(".localhost") || host.endsWith(".localdomain")
                || host.endsWith(".home.arpa") || host.endsWith(".internal")
                || host.endsWith(".local") || host.endsWith(".svc") || host.contains(".svc.cluster.")) {
            return "names a local or internal host";
        }
        return null;
    }

    /**
     * Why {@code address} is internal, or null when it is public. An IPv6 address that carries an IPv4 one (NAT64's
     * {@code 64:ff9b::/96}, 6to4's {@code 2002::/16}, the old IPv4-compatible {@code ::/96}) is judged by that IPv4
     * address as well, since a network that translates it reaches the IPv4 host; the local-use NAT64 prefix
     * {@code 64:ff9b:1::/48} is private.
     */
    public static String internalAddress(InetAddress address) {
        InetAddress embedded = embeddedIpv4(address);
        if (embedded != null) {
            String reason = internalAddress(embedded);
            if (reason != null) {
                return "carries " + embedded.getHostAddress() + ", which " + reason;
            }
        }
        if (inRange(address, "64:ff9b:1::/48")) {
            return "is a private address";
        }
        if (address.isLoopbackAddress()) {
            return "is a loopback address";
        }
        if (address.isLinkLocalAddress()) {
            return "is a link-local address (cloud metadata lives there)";
        }
        if (address.isSiteLocalAddress() || inRange(address, "100.64.0.0/10") || inRange(address, "fc00::/7")) {
            return "is a private address";
        }
        if (address.isAnyLocalAddress() || inRange(address, "0.0.0.0/8") || address.isMulticastAddress()
                || inRange(address, "198.18.0.0/15") || inRange(address, "240.0.0.0/4")) {
            return "is not a unicast public address";
        }
        return null;
    }

    /** Whether the allow-list admits {@code uri}'s host: by name, by name suffix, or its literal address by CIDR. */
    public static boolean admitted(URI uri, List<String> allowList) {
        String host = host(uri);
        if (host == null || host.contains("%")) {
            return false;
        }
        if (!IpAddresses.isLiteral(host)) {
            return admittedName(host, allowList);
        }
        try {
            return admitted(literal(host), allowList);
        } catch (IllegalArgumentException e) {
            return false; // not an address, so no CIDR holds it
        }
    }

    /** The IPv4 address an IPv6 one carries by NAT64, 6to4 or IPv4-compatibility, or null. */
    private static InetAddress embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return null;
        }
        byte[] b = address.getAddress();
        try {
            if (inRange(address, "64:ff9b::/96")
                    || inRange(address, "::/96") && !address.isAnyLocalAddress() && !address.isLoopbackAddress()) {
                return InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]});
            }
            if (inRange(address, "2002::/16")) {
                return InetAddress.getByAddress(new byte[]{b[2], b[3], b[4], b[5]});
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
        return null;
    }

    /**
     * Right before a call: every address {@code uri}'s host resolves to, refused unless each is public or admitted
     * (by its CIDR, or by the host's name). Connect to one of the returned addresses, not to the name again.
     */
    public static List<InetAddress> resolve(URI uri, List<String> allowList) throws UnknownHostException {
        String host = host(uri);
        if (host == null) {
            throw new IllegalArgumentException("The URL has no host");
        }
        boolean nameAdmitted = !IpAddresses.isLiteral(host) && admittedName(host, allowList);
        List<InetAddress> addresses = List.of(InetAddress.getAllByName(host));
        for (InetAddress address : addresses) {
            String reason = internalAddress(address);
            if (reason != null && !nameAdmitted && !admitted(address, allowList)) {
                throw new IllegalArgumentException(host + " resolves to " + address.getHostAddress() + ", which " + reason);
            }
        }
        return addresses;
    }

    /** Why an allow-list entry is not a CIDR block, a host name or a {@code *.}suffix, or null when it is one. */
    public static String invalidEntry(String entry) {
        if (entry == null || entry.isBlank()) {
            return "must not be empty";
        }
        String e = entry.toLowerCase(Locale.ROOT);
        if (e.contains("/")) {
            String[] parts = e.split("/", -1);
            if (parts.length != 2 || !IpAddresses.isLiteral(parts[0]) || !parts[1].matches("\\d{1,3}")) {
                return "must be a CIDR block such as 10.20.0.0/16";
            }
            int bits = Integer.parseInt(parts[1]);
            return bits <= literal(parts[0]).getAddress().length * 8 ? null : "has a prefix longer than its address";
        }
        if (IpAddresses.isLiteral(e)) {
            return null;
        }
        String name = e.startsWith("*.") ? e.substring(2) : e;
        return NAME.matcher(name).matches() ? null : "must be a CIDR block, a host name or *.suffix";
    }

    private static boolean admittedName(String host, List<String> allowList) {
        for (String entry : allowList) {
            String e = entry.toLowerCase(Locale.ROOT);
            if (e.equals(host) || e.startsWith("*.") && host.endsWith(e.substring(1))) {
                return true;
            }
        }
        return false;
    }

    private static boolean admitted(InetAddress address, List<String> allowList) {
        for (String entry : allowList) {
            String e = entry.toLowerCase(Locale.ROOT);
            if (e.contains("/") ? inRange(address, e) : IpAddresses.isLiteral(e) && literal(e).equals(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean inRange(InetAddress address, String cidr) {
        String[] parts = cidr.split("/");
        InetAddress network = literal(parts[0]);
        int bits = Integer.parseInt(parts[1]);
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        BigInteger mask = BigInteger.ONE.shiftLeft(a.length * 8).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(a.length * 8 - bits).subtract(BigInteger.ONE));
        return new BigInteger(1, a).and(mask).equals(new BigInteger(1, n).and(mask));
    }

    private static String host(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return null;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    /** An IP literal as an address; InetAddress does no lookup for a literal. */
    private static InetAddress literal(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            // An IPv4-mapped IPv6 literal (::ffff:127.0.0.1) is the IPv4 address it maps.
            if (address instanceof Inet6Address v6) {
                byte[] b = v6.getAddress();
                boolean mapped = true;
                for (int i = 0; i < 10; i++) {
                    mapped &= b[i] == 0;
                }
                if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                    return InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]});
                }
            }
            return address;
        } catch (UnknownHostException e) {
            // Without the cause: an UnknownHostException would read as a resolver outage (a 503), and this is bad input
            throw new IllegalArgumentException("not an IP address: " + host);
        }
    }
}
