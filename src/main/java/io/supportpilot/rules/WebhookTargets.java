package io.supportpilot.rules;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Which webhook targets are refused (server-side request forgery): loopback, private (RFC 1918, IPv6 unique
 * local), link-local (including cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified and multicast
 * addresses. Operators allow named hosts through {@code rules.webhook-allowed-hosts}.
 */
final class WebhookTargets {

  private WebhookTargets() {
  }

  /** Whether {@code host} is an IP literal rather than a name. */
  static boolean isLiteralAddress(String host) {
    return host.indexOf(':') >= 0 || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
  }

  /** An IP literal as an address (no DNS lookup happens for literals). */
  static InetAddress literal(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new InvalidRule("url", "is not a valid address");
    }
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
      return first == 0 || first == 100 && second >= 64 && second < 128 || first == 192 && second == 0
          && (b[2] & 0xff) == 0 || first >= 240;
    }
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) == 0xfc; // fc00::/7 unique local
    }
    return false;
  }
}
