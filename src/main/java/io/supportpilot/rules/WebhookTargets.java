package io.supportpilot.rules;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which webhook targets are refused (server-side request forgery): loopback, private (RFC 1918, IPv6 unique
 * local), link-local (including cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified and multicast
 * addresses, also when written in another form (a single decimal number, octal or hex parts, IPv4 inside an IPv6
 * address) or named {@code localhost}. Operators allow named hosts through {@code rules.webhook-allowed-hosts}.
 */
final class WebhookTargets {

  /** The forms of an IPv4 address that resolvers (inet_aton) accept: 1 to 4 decimal, octal (0..) or hex (0x..) parts. */
  private static final Pattern IPV4_ANY_FORM = Pattern.compile(
      "(0[xX][0-9a-fA-F]*|[0-9]+)(\\.(0[xX][0-9a-fA-F]*|[0-9]+)){0,3}\\.?");

  private WebhookTargets() {
  }

  /**
   * The address an IP literal in any form stands for, or null when {@code host} is a name (no DNS lookup happens
   * here). Throws {@link IllegalArgumentException} for a host that looks numeric but is no valid address.
   */
  static InetAddress literal(String host) {
    if (host.indexOf(':') >= 0) {
      try {
        return InetAddress.getByName(host.startsWith("[") ? host : "[" + host + "]");
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("is not a valid address", e);
      }
    }
    if (!IPV4_ANY_FORM.matcher(host).matches()) {
      return null;
    }
    byte[] b = ipv4(host.endsWith(".") ? host.substring(0, host.length() - 1) : host);
    if (b == null) {
      throw new IllegalArgumentException("is not a valid address");
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("is not a valid address", e);
    }
  }

  /** Names that always mean this machine (RFC 6761): {@code localhost} and any name under it. */
  static boolean isLocalName(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h.equals("localhost") || h.endsWith(".localhost") || h.equals("localhost.localdomain")
        || h.equals("ip6-localhost") || h.equals("ip6-loopback");
  }

  /** inet_aton: "a", "a.b" (b 24 bits), "a.b.c" (c 16 bits), "a.b.c.d"; null when a part is out of range. */
  private static byte[] ipv4(String host) {
    String[] parts = host.split("\\.", -1);
    long[] v = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      try {
        if (p.startsWith("0x") || p.startsWith("0X")) {
          v[i] = p.length() == 2 ? 0 : p.length() > 10 ? -1 : Long.parseLong(p.substring(2), 16);
        } else if (p.length() > 1 && p.startsWith("0")) {
          v[i] = p.length() > 12 ? -1 : p.chars().allMatch(c -> c <= '7') ? Long.parseLong(p, 8) : -1;
        } else {
          v[i] = p.length() > 10 ? -1 : Long.parseLong(p);
        }
      } catch (NumberFormatException e) {
        return null;
      }
      if (v[i] < 0) {
        return null;
      }
    }
    long last = v[v.length - 1];
    long lastMax = 0xffffffffL >>> (8 * (v.length - 1));
    if (last > lastMax || Arrays.stream(v, 0, v.length - 1).anyMatch(x -> x > 255)) {
      return null;
    }
    long n = last;
    for (int i = 0; i < v.length - 1; i++) {
      n |= v[i] << (8 * (3 - i));
    }
    return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
  }

  /** Whether the address must not be called without the operator's explicit allowance. */
  static boolean isPrivate(InetAddress a) {
    if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0 || first == 127 || first == 100 && second >= 64 && second < 128 || first == 192 && second == 0
          && (b[2] & 0xff) == 0 || first >= 240;
    }
    if (a instanceof Inet6Address) {
      if ((b[0] & 0xfe) == 0xfc) {
        return true; // fc00::/7 unique local
      }
      byte[] v4 = embeddedIpv4(b);
      if (v4 != null) {
        try {
          return isPrivate(InetAddress.getByAddress(v4));
        } catch (UnknownHostException e) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The IPv4 address inside an IPv6 one that reaches it: IPv4-mapped ::ffff:0:0/96 (Java usually hands these over
   * as IPv4 already), IPv4-compatible ::/96, NAT64 64:ff9b::/96 and 6to4 2002::/16; null otherwise.
   */
  private static byte[] embeddedIpv4(byte[] b) {
    boolean zero80 = true;
    for (int i = 0; i < 10; i++) {
      zero80 &= b[i] == 0;
    }
    boolean mapped = zero80 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zero80 && b[10] == 0 && b[11] == 0;
    boolean nat64 = (b[0] & 0xff) == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = b[i] == 0;
    }
    if (mapped || compatible || nat64) {
      return Arrays.copyOfRange(b, 12, 16);
    }
    if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
      return Arrays.copyOfRange(b, 2, 6);
    }
    return null;
  }
}
