package dev.warden.api;

import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The address a request came from, the one rule for everything that keys on it (open registration's per-address
 * limit, a fleet instance's {@code ip}). The connection's own address, unless it is a trusted proxy
 * ({@code warden.http.trusted-proxies}, {@code WARDEN_TRUSTED_PROXIES}: addresses and CIDR blocks); then
 * {@code X-Forwarded-For} is read from its right, skipping the hops that are trusted proxies themselves, and the first
 * other address is the caller. The right, because a proxy that appends (Envoy's default, so most cluster gateways)
 * leaves whatever the caller sent on the left: Quarkus' own forwarding takes the left-most value, which let a caller
 * behind such a gateway choose the address it is limited and recorded by (Quarkus' forwarding stays on for the scheme
 * and host of {@code Location} headers; its {@code remoteAddress()} is not asked). A hop that is not an address ends
 * the walk at the last trusted one. The local gateway replaces the header, so there the one hop is the caller.
 */
@ApplicationScoped
@Startup // a trusted proxy that is not an address stops the service at start, not its first request
public class ClientAddresses {

    static final String UNKNOWN = "unknown";

    private final List<Block> trusted;

    public ClientAddresses(@ConfigProperty(name = "warden.http.trusted-proxies") List<String> trustedProxies) {
        this.trusted = trustedProxies.stream().map(String::strip).filter(s -> !s.isEmpty()).map(Block::parse).toList();
    }

    /** The caller's address, as an IP literal, or {@code unknown} for a connection without one (a domain socket). */
    public String of(HttpServerRequest request) {
        // The connection's own peer: the request's remoteAddress() is Quarkus' forwarded one (the left-most value).
        SocketAddress peer = request.connection() == null ? null : request.connection().remoteAddress();
        return of(peer == null ? null : peer.hostAddress(), request.headers().getAll("X-Forwarded-For"));
    }

    /** The caller's address from the connection's and the values of the request's X-Forwarded-For headers. */
    String of(String peer, List<String> forwardedFor) {
        if (peer == null || peer.isEmpty()) {
            return UNKNOWN;
        }
        if (!isTrusted(peer)) {
            String canonical = literal(peer);
            return canonical == null ? peer : canonical;
        }
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",")) {
                hops.add(hop.strip());
            }
        }
        String address = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = literal(hops.get(i));
            if (hop == null) {
                return address;
            }
            if (!isTrusted(hop)) {
                return hop;
            }
            address = hop;
        }
        return address;
    }

    boolean isTrusted(String address) {
        byte[] bytes = bytes(address);
        if (bytes == null) {
            return false;
        }
        for (Block block : trusted) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A hop as an IP literal in its canonical text (one text per address, so a limit keyed on it cannot be dodged by
     * spelling an IPv6 address another way), without the port or brackets a proxy may add; null for anything else.
     */
    static String literal(String hop) {
        String host = hop;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? "" : host.substring(1, end);
        } else if (host.indexOf(':') > 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            host = host.substring(0, host.indexOf(':')); // IPv4 with a port
        }
        if (!IpAddresses.isLiteral(host)) {
            return null;
        }
        // An IPv4-mapped IPv6 address (::ffff:203.0.113.9) is that IPv4 address, as a client over IPv4 is
        return host.indexOf(':') < 0 ? host : NetUtil.bytesToIpAddress(bytes(host));
    }

    /** An address's bytes, an IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) as the IPv4 address it is. */
    static byte[] bytes(String address) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes != null && bytes.length == 16 && bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff) {
            for (int i = 0; i < 10; i++) {
                if (bytes[i] != 0) {
                    return bytes;
                }
            }
            return Arrays.copyOfRange(bytes, 12, 16);
        }
        return bytes;
    }

    /** An address block: an address and how many of its leading bits a member shares. */
    record Block(byte[] network, int bits) {

        static Block parse(String entry) {
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            byte[] bytes = IpAddresses.isLiteral(address) ? bytes(address) : null;
            if (bytes == null) {
                throw new IllegalArgumentException("warden.http.trusted-proxies: '" + entry
                        + "' is not an IP address or CIDR block (host names are not looked up)");
            }
            int bits = bytes.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > bytes.length * 8) {
                    throw new IllegalArgumentException("warden.http.trusted-proxies: '" + entry
                            + "' has a prefix length outside 0-" + bytes.length * 8);
                }
            }
            return new Block(bytes, bits);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[whole] & mask) == (network[whole] & mask);
        }
    }
}
