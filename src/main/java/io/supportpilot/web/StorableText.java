package io.supportpilot.web;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * Finds what Postgres text and jsonb columns refuse in raw request bytes, before anything is parsed or stored:
 * bytes that are not UTF-8, UTF-16 surrogate escapes without their pair, the NUL character, and numbers outside
 * Postgres {@code numeric} (at most 131,072 digits before and 16,383 after the decimal point). Each check
 * answers null when the input is storable, else a sentence for a 400 detail. One pass, no allocation on the
 * common path; malformed JSON is left for the JSON parser to report.
 */
public final class StorableText {

  /** Digits Postgres numeric (and so jsonb) holds before the decimal point. */
  public static final int MAX_DIGITS_BEFORE_POINT = 131_072;
  /** Digits Postgres numeric (and so jsonb) holds after the decimal point. */
  public static final int MAX_DIGITS_AFTER_POINT = 16_383;

  private StorableText() {
  }

  /**
   * The first thing in JSON bytes that Postgres cannot store, as a sentence ("... is not valid UTF-8 ..."), or
   * null. With {@code nulAllowed} a {@code \u0000} escape passes (the caller replaces it).
   */
  public static String jsonProblem(byte[] b, int offset, int length, boolean nulAllowed) {
    int end = offset + length;
    int i = offset;
    while (i < end) {
      int c = b[i];
      if (c == '"') {
        // A string: skip plain ASCII fast, stop at its end, an escape or a multi-byte sequence.
        i++;
        while (true) {
          while (i < end && (c = b[i]) >= 0 && c != '"' && c != '\\') {
            i++;
          }
          if (i >= end || c == '"') {
            i++;
            break;
          }
          if (c < 0) {
            int n = utf8Sequence(b, i, end);
            if (n < 0) {
              return "the body is not valid UTF-8 (byte " + (i - offset) + ")";
            }
            i += n;
            continue;
          }
          int skip = escape(b, i, end, nulAllowed);
          if (skip < 0) {
            return escapeProblem(b, i, end);
          }
          i += skip;
        }
      } else if (c < 0) {
        int n = utf8Sequence(b, i, end);
        if (n < 0) {
          return "the body is not valid UTF-8 (byte " + (i - offset) + ")";
        }
        i += n;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        int j = i + 1;
        boolean exponent = false;
        while (j < end) {
          int d = b[j];
          if (d == 'e' || d == 'E') {
            exponent = true;
          } else if (!(d >= '0' && d <= '9' || d == '.' || d == '+' || d == '-')) {
            break;
          }
          j++;
        }
        if (exponent) {
          String problem = numberProblem(b, i, j);
          if (problem != null) {
            return problem;
          }
        }
        i = j;
      } else {
        i++;
      }
    }
    return null;
  }

  /** Bytes taken by the escape at {@code i} (a backslash), or -1 when it cannot be stored; malformed ones pass. */
  private static int escape(byte[] b, int i, int end, boolean nulAllowed) {
    if (i + 1 >= end || b[i + 1] != 'u') {
      return 2;
    }
    int cp = hex4(b, i + 2, end);
    if (cp < 0) {
      return 2; // a malformed escape: the parser names it
    }
    if (cp == 0 && !nulAllowed || cp >= 0xDC00 && cp <= 0xDFFF) {
      return -1;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      int low = i + 7 < end && b[i + 6] == '\\' && b[i + 7] == 'u' ? hex4(b, i + 8, end) : -1;
      return low >= 0xDC00 && low <= 0xDFFF ? 12 : -1;
    }
    return 6;
  }

  private static String escapeProblem(byte[] b, int i, int end) {
    int cp = hex4(b, i + 2, end);
    if (cp == 0) {
      return "a string holds the NUL character (\\u0000), which cannot be stored";
    }
    return "a string holds the escape \\u" + Integer.toHexString(cp)
        + ", half of a UTF-16 surrogate pair without its other half; text must be valid Unicode";
  }

  /**
   * The first thing in a request target (path and query, as received) that cannot be stored once decoded: a
   * NUL ({@code %00}), percent-decoded bytes that are not UTF-8, or a malformed percent escape; null when fine.
   */
  public static String uriProblem(String uri) {
    if (uri == null) {
      return null;
    }
    int n = uri.length();
    byte[] bytes = null;
    int len = 0;
    for (int i = 0; i < n; i++) {
      char c = uri.charAt(i);
      if (c == '%' || c == 0 || c > 0x7e) {
        bytes = new byte[n * 3];
        break;
      }
    }
    if (bytes == null) {
      return null; // plain ASCII: nothing to decode
    }
    for (int i = 0; i < n; i++) {
      char c = uri.charAt(i);
      if (c == '%') {
        int hi = i + 2 < n ? Character.digit(uri.charAt(i + 1), 16) : -1;
        int lo = i + 2 < n ? Character.digit(uri.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          return "the request path or query holds a malformed percent escape (a '%' not followed by two hex digits)";
        }
        bytes[len++] = (byte) ((hi << 4) | lo);
        i += 2;
      } else if (c < 0x100) {
        bytes[len++] = (byte) c;
      } else {
        byte[] enc = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(enc, 0, bytes, len, enc.length);
        len += enc.length;
      }
    }
    for (int i = 0; i < len; ) {
      int c = bytes[i];
      if (c == 0) {
        return "the request path or query holds the NUL character (%00), which no resource name or value can hold";
      }
      if (c > 0) {
        i++;
        continue;
      }
      int s = utf8Sequence(bytes, i, len);
      if (s < 0) {
        return "the request path or query is not valid UTF-8 once percent-decoded";
      }
      i += s;
    }
    return null;
  }

  /** The first NUL character or lone surrogate in decoded text as a sentence naming {@code what}, or null. */
  public static String textProblem(String s, String what) {
    if (s == null) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return what + " holds the NUL character, which cannot be stored";
      }
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return what + " holds an unpaired UTF-16 surrogate, which is not valid Unicode";
      }
    }
    return null;
  }

  /** Length of the strict UTF-8 sequence (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF). */
  private static int utf8Sequence(byte[] b, int i, int end) {
    int c = b[i] & 0xff;
    int n;
    int min2 = 0x80;
    int max2 = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      if (c == 0xe0) {
        min2 = 0xa0;
      } else if (c == 0xed) {
        max2 = 0x9f;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      if (c == 0xf0) {
        min2 = 0x90;
      } else if (c == 0xf4) {
        max2 = 0x8f;
      }
    } else {
      return -1;
    }
    if (i + n > end) {
      return -1;
    }
    int c2 = b[i + 1] & 0xff;
    if (c2 < min2 || c2 > max2) {
      return -1;
    }
    for (int k = 2; k < n; k++) {
      if ((b[i + k] & 0xc0) != 0x80) {
        return -1;
      }
    }
    return n;
  }

  private static int hex4(byte[] b, int from, int end) {
    if (from + 4 > end) {
      return -1;
    }
    int v = 0;
    for (int k = from; k < from + 4; k++) {
      int d = Character.digit(b[k], 16);
      if (d < 0) {
        return -1;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  /** Only numbers with an exponent can leave numeric's range (a plain number's length is limited by the parser). */
  private static String numberProblem(byte[] b, int from, int to) {
    int e = from;
    while (b[e] != 'e' && b[e] != 'E') {
      e++;
    }
    String text = new String(b, from, to - from, StandardCharsets.US_ASCII);
    int digits = 0;
    boolean leading = true;
    for (int k = e + 1; k < to; k++) {
      byte c = b[k];
      if (c >= '1' && c <= '9' || c == '0' && !leading) {
        leading = false;
        digits++;
      }
    }
    if (digits > 9) {
      return outOfRange(text);
    }
    BigDecimal v;
    try {
      v = new BigDecimal(text);
    } catch (NumberFormatException ex) {
      return null; // not a JSON number: the parser names it
    }
    long scale = v.scale();
    if (scale > MAX_DIGITS_AFTER_POINT) {
      return outOfRange(text);
    }
    if (v.signum() != 0 && (long) v.precision() - scale > MAX_DIGITS_BEFORE_POINT) {
      return outOfRange(text);
    }
    return null;
  }

  private static String outOfRange(String text) {
    String shown = text.length() > 40 ? text.substring(0, 37) + "..." : text;
    return "the number " + shown + " is out of range (at most " + MAX_DIGITS_BEFORE_POINT + " digits before and "
        + MAX_DIGITS_AFTER_POINT + " after the decimal point)";
  }
}
