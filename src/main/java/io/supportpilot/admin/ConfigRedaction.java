package io.supportpilot.admin;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks credential-bearing config values before they are shown: the password in a URL's user info, sensitive query
 * parameters, the path of webhook URLs (whose path is the secret), and any key whose name says it holds a secret.
 */
public final class ConfigRedaction {

  static final String MASK = "***";
  private static final Pattern SECRET_KEY = Pattern.compile(
      "(^|[.-])(password|passwd|secret|api-key|apikey|access-key|private-key|credentials?|token)$");
  private static final Pattern SENSITIVE_PARAM = Pattern.compile(
      "(?i)([?&;](?:password|passwd|pwd|secret|token|api[_-]?key|key|sig|signature|auth)=)[^&;#]*");
  private static final Pattern USERINFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@?#]*)@");

  private ConfigRedaction() {
  }

  /** The value as it may be shown for the given key. */
  static String value(String key, String value) {
    if (value == null || value.isBlank()) {
      return value;
    }
    String k = key.toLowerCase(Locale.ROOT);
    if (SECRET_KEY.matcher(k).find()) {
      return MASK;
    }
    String v = maskUserInfo(value);
    v = SENSITIVE_PARAM.matcher(v).replaceAll("$1" + MASK);
    if (k.contains("webhook") && v.contains("://")) {
      v = originOnly(v);
    }
    return v;
  }

  /** A webhook URL as a reader below the admin role may see it: scheme, host and port; path and query masked. */
  public static String webhookUrl(String url) {
    return url == null || url.isBlank() ? url : originOnly(maskUserInfo(url));
  }

  /** {@code scheme://user:pass@host} becomes {@code scheme://user:***@host}; a bare token as user info is masked too. */
  private static String maskUserInfo(String v) {
    Matcher m = USERINFO.matcher(v);
    if (!m.find()) {
      return v;
    }
    String info = m.group(2);
    int colon = info.indexOf(':');
    String shown = colon >= 0 ? info.substring(0, colon) + ":" + MASK : MASK;
    return m.group(1) + shown + "@" + v.substring(m.end());
  }

  /** Scheme, host and port only; the path, query and fragment (where webhook secrets live) are masked. */
  private static String originOnly(String v) {
    try {
      URI u = new URI(v);
      if (u.getScheme() == null || u.getHost() == null) {
        return MASK;
      }
      return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "")
          + (u.getRawPath() == null || u.getRawPath().isEmpty() || "/".equals(u.getRawPath()) ? "" : "/" + MASK);
    } catch (URISyntaxException e) {
      return MASK;
    }
  }
}
