package io.supportpilot.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.supportpilot.web.HttpFailure;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns what the JSON parser could not read into a 400 in the product's words (never the parser's internals). */
final class JsonReadFailures {

  private static final Pattern UNEXPECTED_CHAR =
      Pattern.compile("Unexpected character \\(('.{1,2}'|\\S+) \\(code");
  private static final Pattern TOKEN = Pattern.compile("token '([^']*)'");
  private static final Pattern DEPTH_LIMIT = Pattern.compile("maximum allowed \\((\\d+)");

  private JsonReadFailures() {
  }

  /** The 400 for a body the JSON parser could not read, in the product's words (never the parser's internals). */
  static HttpFailure unreadable(IOException e) {
    if (e instanceof StreamConstraintsException) {
      String m = String.valueOf(((StreamConstraintsException) e).getOriginalMessage());
      if (m.toLowerCase(Locale.ROOT).contains("nesting depth")) {
        return HttpFailure.badRequest("the JSON nests deeper than " + depthLimit(m) + " levels");
      }
      if (m.contains("String value length") || m.contains("Name length")) {
        return HttpFailure.badRequest("a string in the JSON is longer than the configured limit "
            + "(ingest.max-string-chars)");
      }
      if (m.contains("Number value length")) {
        return HttpFailure.badRequest("a number in the JSON has more than " + JsonBodyReader.MAX_NUMBER_CHARS
            + " characters");
      }
      return HttpFailure.badRequest("the JSON is larger or deeper than this endpoint accepts");
    }
    if (e instanceof JsonParseException) {
      JsonParseException p = (JsonParseException) e;
      String m = String.valueOf(p.getOriginalMessage());
      if (m.contains("UTF-8") || m.contains("UTF8") || m.contains("Invalid UTF") || m.contains("byte 0x")) {
        return HttpFailure.badRequest("the body is not valid UTF-8");
      }
      return HttpFailure.badRequest("the body is not valid JSON" + at(p.getLocation()) + ": " + reason(m));
    }
    if (e instanceof JsonProcessingException) {
      JsonProcessingException p = (JsonProcessingException) e;
      String m = String.valueOf(p.getOriginalMessage());
      if (m.startsWith("Trailing token")) {
        return HttpFailure.badRequest("the body is not valid JSON" + at(p.getLocation())
            + ": unexpected content after the value");
      }
      return HttpFailure.badRequest("the body is not valid JSON" + at(p.getLocation()) + ": " + reason(m));
    }
    return HttpFailure.badRequest("the body is not valid JSON");
  }

  private static String depthLimit(String m) {
    Matcher mm = DEPTH_LIMIT.matcher(m);
    return mm.find() ? mm.group(1) : "the allowed number of";
  }

  private static String at(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return "";
    }
    return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  /** The parser's complaint, said plainly: which character or word was unexpected, or that the input ended. */
  private static String reason(String m) {
    Matcher ch = UNEXPECTED_CHAR.matcher(m);
    if (m.startsWith("Unexpected end-of-input") || m.contains("end-of-input")) {
      return "it ends before the value is complete";
    }
    if (m.contains("was expecting double-quote to start field name")) {
      return "a field name must be a quoted string";
    }
    if (m.startsWith("Unexpected character") && ch.find()) {
      return "unexpected character " + ch.group(1);
    }
    if (m.startsWith("Unrecognized token")) {
      Matcher t = TOKEN.matcher(m);
      return t.find() ? "unknown word '" + shorten(t.group(1)) + "' (text must be quoted)" : "an unknown word";
    }
    if (m.startsWith("Illegal unquoted character")) {
      return "a control character inside a string must be escaped";
    }
    if (m.contains("Non-standard token") || m.contains("NaN") || m.contains("Infinity")) {
      return "NaN and Infinity are not JSON numbers";
    }
    if (m.contains("numeric value") || m.contains("Leading zeroes") || m.contains("number")) {
      return "a malformed number";
    }
    if (m.contains("Unrecognized character escape")) {
      return "an unknown escape sequence in a string";
    }
    if (m.contains("was expecting comma") || m.contains("was expecting a colon")) {
      return "a comma or colon is missing";
    }
    return "malformed";
  }

  private static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 37) + "..." : s;
  }
}
