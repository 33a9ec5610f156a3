package dev.warden.api;

import io.netty.util.NetUtil;

import java.util.regex.Pattern;

/**
 * What is an IP address literal, the one rule for every field that takes one (a fleet instance's {@code ip}, an
 * outbound allow-list's entries): IPv4 in dotted-quad form, each part 0 to 255 without leading zeros (which some
 * parsers read as octal, so {@code 010.0.0.1} would name two hosts), or IPv6 as Netty reads it, without a zone
 * ({@code %eth0} names an interface of the sender, not an address) and without a URI's brackets ({@code [::1]}), in
 * any of RFC 4291's forms: with its last 32 bits in dotted-quad form after six groups too
 * ({@code 1:2:3:4:5:6:1.2.3.4}), which Netty alone refuses. No lookup is ever made.
 */
public final class IpAddresses {

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");

    private IpAddresses() {
    }

    public static boolean isLiteral(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        if (IPV4.matcher(text).matches()) {
            return NetUtil.isValidIpV4Address(text);
        }
        if (text.indexOf(':') < 0 || text.indexOf('%') >= 0 || text.indexOf('[') >= 0) {
            // Brackets are a URI's way of writing an address beside a port, no part of it: Netty's check takes them
            return false;
        }
        int last = text.lastIndexOf(':');
        String tail = text.substring(last + 1);
        if (tail.indexOf('.') >= 0) {
            // The last 32 bits as a dotted quad: checked as IPv4, then read as the two groups they stand for
            if (!IPV4.matcher(tail).matches() || !NetUtil.isValidIpV4Address(tail)) {
                return false;
            }
            String[] q = tail.split("\\.");
            text = text.substring(0, last + 1) + Integer.toHexString(Integer.parseInt(q[0]) << 8 | Integer.parseInt(q[1]))
                    + ":" + Integer.toHexString(Integer.parseInt(q[2]) << 8 | Integer.parseInt(q[3]));
        }
        return NetUtil.isValidIpV6Address(text);
    }
}
