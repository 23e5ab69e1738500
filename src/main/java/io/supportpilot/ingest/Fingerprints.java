package io.supportpilot.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The grouping fingerprint of an error (Sentry's idea): a stable hash of the error type, the error code, the
 * first line of the message with volatile parts masked (anything with a digit: numbers, ids, UUIDs, hex,
 * timestamps; and quoted values), and up to three in-app frames, most recent first, with line numbers masked.
 */
public final class Fingerprints {

  /** How many in-app frames take part. */
  public static final int FRAMES = 3;
  private static final int MAX_MASKED = 512;
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private Fingerprints() {
  }

  /** The fingerprint: 32 hex characters. */
  public static String of(String errorType, String errorCode, String message, List<String> inAppFrames) {
    StringBuilder sb = new StringBuilder(160);
    sb.append(errorType == null ? "" : errorType).append('\u0001');
    sb.append(errorCode == null ? "" : errorCode).append('\u0001');
    sb.append(mask(firstLine(message))).append('\u0001');
    for (String f : inAppFrames) {
      sb.append(mask(f)).append('\u0002');
    }
    MessageDigest md = SHA256.get();
    byte[] d = md.digest(sb.toString().getBytes(StandardCharsets.UTF_8));
    return Signatures.hex(d).substring(0, 32);
  }

  /** The first non-blank line of a message. */
  static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int start = 0;
    int n = message.length();
    while (start < n) {
      int end = message.indexOf('\n', start);
      if (end < 0) {
        end = n;
      }
      String line = message.substring(start, end).trim();
      if (!line.isEmpty()) {
        return line;
      }
      start = end + 1;
    }
    return "";
  }

  /**
   * Masks volatile parts: quoted values become {@code <q>}, any token of letters/digits/-/_/. that holds a digit
   * becomes {@code <v>}; whitespace runs collapse to one space. Capped at 512 characters.
   */
  public static String mask(String s) {
    if (s == null) {
      return "";
    }
    int n = s.length();
    StringBuilder out = new StringBuilder(Math.min(n, MAX_MASKED) + 8);
    int i = 0;
    boolean space = false;
    while (i < n && out.length() < MAX_MASKED) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        int close = s.indexOf(c, i + 1);
        if (close > 0 && close - i < 256) {
          out.append("<q>");
          i = close + 1;
          space = false;
          continue;
        }
        out.append(c);
        i++;
        continue;
      }
      if (isTokenChar(c)) {
        int j = i;
        boolean digit = false;
        while (j < n && isTokenChar(s.charAt(j))) {
          char d = s.charAt(j);
          if (d >= '0' && d <= '9') {
            digit = true;
          }
          j++;
        }
        if (digit) {
          out.append("<v>");
        } else {
          out.append(s, i, j);
        }
        i = j;
        space = false;
        continue;
      }
      if (Character.isWhitespace(c)) {
        if (!space) {
          out.append(' ');
          space = true;
        }
        i++;
        continue;
      }
      out.append(c);
      space = false;
      i++;
    }
    return out.toString().trim();
  }

  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
        || c == '.' || c > 127 && Character.isLetterOrDigit(c);
  }

  /**
   * Up to {@link #FRAMES} in-app frames of a textual stack (JavaScript, Java or Python style), most recent
   * first: lines that look like frames, skipping runtime and library frames (node_modules, node:internal,
   * java., jdk., sun., site-packages).
   */
  public static List<String> framesOfText(String stack) {
    if (stack == null || stack.isEmpty()) {
      return List.of();
    }
    ArrayList<String> frames = new ArrayList<>(FRAMES);
    if (stack.contains("Traceback (most recent call last)")) {
      String[] lines = stack.split("\n", 200);
      // Python prints the most recent call last.
      for (int k = lines.length - 1; k >= 0 && frames.size() < FRAMES; k--) {
        String l = lines[k].trim();
        if (l.startsWith("File ") && !l.contains("site-packages") && !l.contains("/lib/python")) {
          frames.add(l);
        }
      }
      return frames;
    }
    int pos = 0;
    int n = stack.length();
    while (pos < n && frames.size() < FRAMES) {
      int end = stack.indexOf('\n', pos);
      if (end < 0) {
        end = n;
      }
      int s = pos;
      while (s < end && Character.isWhitespace(stack.charAt(s))) {
        s++;
      }
      pos = end + 1;
      if (!stack.startsWith("at ", s)) {
        continue;
      }
      String l = stack.substring(s, end).trim();
      if (l.contains("node_modules") || l.contains("node:internal") || l.startsWith("at java.")
          || l.startsWith("at jdk.") || l.startsWith("at sun.") || l.startsWith("at io.netty.")
          || l.startsWith("at io.vertx.") || l.contains("(native)") || l.contains("<anonymous>")) {
        continue;
      }
      frames.add(l);
    }
    return frames;
  }
}
