package dev.warden.api;

import io.netty.util.NetUtil;

import java.util.regex.Pattern;

/**
 * What is an IP address literal, the one rule for every field that takes one (a fleet instance's {@code ip}, an
 * outbound allow-list's entries): IPv4 in dotted-quad form, each part 0 to 255 without leading zeros (which some
 * parsers read as octal, so {@code 010.0.0.1} would name two hosts), or IPv6 as Netty reads it, without a zone
 * ({@code %eth0} names an interface of the sender, not an address). No lookup is ever made.
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
        return text.indexOf(':') >= 0 && text.indexOf('%') < 0 && NetUtil.isValidIpV6Address(text);
    }
}
