package io.supportpilot.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.StorableText;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses webhook bodies (strict JSON with depth and string-length limits, valid UTF-8 only) and normalises MCP
 * errors and Sentry events into one {@link ErrorEvent} with its fingerprint. Thread-safe.
 */
public final class ErrorPayloads {

  /** Source name of MCP errors in {@code support_error_log.source}. */
  public static final String MCP = "mcp";
  /** Source name of Sentry events in {@code support_error_log.source}. */
  public static final String SENTRY = "sentry";

  static final int MAX_ID_CHARS = 200;
  static final int MAX_NUMBER_CHARS = 100;
  /** Earliest occurrence time accepted (what Postgres timestamptz and ISO-8601's four-digit years agree on). */
  static final Instant MIN_TIME = Instant.parse("0001-01-01T00:00:00Z");
  /** Latest occurrence time accepted. */
  static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999999Z");
  private static final int MAX_STACK_FRAMES = 100;

  private final ObjectMapper mapper;
  private final JsonFactory factory;

  /** A parser with the given nesting depth and string length limits. */
  public ErrorPayloads(int maxDepth, int maxStringChars) {
    JsonFactory f = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(maxDepth)
            .maxStringLength(maxStringChars)
            .maxNumberLength(MAX_NUMBER_CHARS)
            .build())
        .build();
    this.factory = f;
    this.mapper = new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  }

  /**
   * Parses one JSON value from raw bytes; malformed JSON, invalid UTF-8, unpaired surrogate escapes, numbers
   * outside Postgres numeric, or limits give a 400.
   */
  public JsonNode parse(byte[] bytes, int offset, int length) {
    if (length == 0) {
      throw HttpFailure.badRequest("the body is empty");
    }
    String problem = StorableText.jsonProblem(bytes, offset, length, true);
    if (problem != null) {
      throw HttpFailure.badRequest(problem);
    }
    try {
      JsonNode node = mapper.readTree(bytes, offset, length);
      if (node == null || node.isMissingNode()) {
        throw HttpFailure.badRequest("the body is empty");
      }
      return node;
    } catch (IOException e) {
      throw unreadable(e);
    }
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
        return HttpFailure.badRequest("a number in the JSON has more than " + MAX_NUMBER_CHARS + " characters");
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

  private static final Pattern UNEXPECTED_CHAR =
      Pattern.compile("Unexpected character \\(('.{1,2}'|\\S+) \\(code");
  private static final Pattern TOKEN = Pattern.compile("token '([^']*)'");
  private static final Pattern DEPTH_LIMIT = Pattern.compile("maximum allowed \\((\\d+)");

  // ---------------------------------------------------------------- MCP

  /**
   * Parses and normalises one MCP error straight from its raw bytes with a streaming parser (the hot path of
   * the single endpoint and NDJSON lines): no tree is built, and the context object is kept as the exact bytes
   * the sender sent (already validated by the parser) instead of being re-serialised. An error without
   * {@code event_id} gets one derived from its bytes alone.
   */
  public ErrorEvent mcpFromBytes(byte[] raw, int offset, int length, Instant receivedAt, String field) {
    return mcpFromBytes(raw, offset, length, receivedAt, field, "");
  }

  /**
   * As {@link #mcpFromBytes(byte[], int, int, Instant, String)}; an error without {@code event_id} gets
   * {@code gen-} plus a SHA-256 of its bytes, and, when it has no {@code occurred_at} either, of {@code idSalt}
   * (the signed timestamp and the item's position): a replay or retry of the same signed request then gets the
   * same id and is stored once, while the same error sent again later is a new event.
   */
  public ErrorEvent mcpFromBytes(byte[] raw, int offset, int length, Instant receivedAt, String field,
      String idSalt) {
    if (length == 0) {
      throw HttpFailure.badRequest(where(field, "") + "the body is empty");
    }
    String problem = StorableText.jsonProblem(raw, offset, length, true);
    if (problem != null) {
      throw HttpFailure.badRequest(field.isEmpty() ? problem : where(field, "") + problem.replace("the body", "it"));
    }
    String eventId = null;
    String userId = null;
    String connectionId = null;
    String tool = null;
    String errorType = null;
    String errorCode = null;
    Integer status = null;
    String level = null;
    String message = null;
    String stack = null;
    String contextJson = null;
    Instant occurred = null;
    try (JsonParser p = factory.createParser(raw, offset, length)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        throw HttpFailure.badRequest(where(field, "") + "the error must be a JSON object");
      }
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        t = p.nextToken();
        switch (name) {
          case "event_id": eventId = streamText(p, t, name, field, MAX_ID_CHARS); break;
          case "user_id": userId = streamText(p, t, name, field, MAX_ID_CHARS); break;
          case "connection_id": connectionId = streamText(p, t, name, field, MAX_ID_CHARS); break;
          case "tool": tool = streamText(p, t, name, field, MAX_ID_CHARS); break;
          case "error_type": errorType = streamText(p, t, name, field, MAX_ID_CHARS); break;
          case "level": level = streamText(p, t, name, field, MAX_ID_CHARS); break;
          case "message": message = streamText(p, t, name, field, Integer.MAX_VALUE); break;
          case "stack": stack = streamText(p, t, name, field, Integer.MAX_VALUE); break;
          case "error_code":
            errorCode = t == JsonToken.VALUE_NUMBER_INT ? p.getText() : streamText(p, t, name, field, MAX_ID_CHARS);
            break;
          case "status_code":
            if (t == JsonToken.VALUE_NULL) {
              status = null;
            } else if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                || p.getIntValue() < 100 || p.getIntValue() > 599) {
              throw HttpFailure.badRequest("the field '" + field + name
                  + "' must be an HTTP status (an integer 100-599)");
            } else {
              status = p.getIntValue();
            }
            break;
          case "occurred_at": {
            String v = streamText(p, t, name, field, MAX_ID_CHARS);
            if (v == null && t != JsonToken.VALUE_NULL) {
              throw HttpFailure.badRequest("the field '" + field + name + "' must be an ISO-8601 timestamp string");
            }
            occurred = v == null ? null : parseInstant(v, field + name);
            break;
          }
          case "context":
            if (t == JsonToken.VALUE_NULL) {
              contextJson = null;
            } else if (t != JsonToken.START_OBJECT) {
              throw HttpFailure.badRequest("the field '" + field + "context' must be an object");
            } else {
              long start = p.currentTokenLocation().getByteOffset();
              p.skipChildren();
              long end = p.currentLocation().getByteOffset();
              contextJson = contextSlice(raw, offset, (int) start, (int) end);
            }
            break;
          default:
            p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw HttpFailure.badRequest("the body is not valid JSON: unexpected content after the object");
      }
    } catch (IOException e) {
      throw unreadable(e);
    }
    if (errorType == null || errorType.isBlank()) {
      throw HttpFailure.badRequest("the field '" + field + "error_type' is required (a non-empty string)");
    }
    if (message == null) {
      throw HttpFailure.badRequest("the field '" + field + "message' is required (a string)");
    }
    if (level == null) {
      level = status != null && status < 500 ? "warning" : "error";
    }
    if (eventId == null) {
      eventId = "gen-" + sha256Hex(raw, offset, length, occurred == null ? idSalt : "").substring(0, 32);
    }
    if (occurred == null) {
      occurred = receivedAt;
    }
    String fp = Fingerprints.of(errorType, errorCode, message, Fingerprints.framesOfText(stack));
    return new ErrorEvent(MCP, clean(eventId), clean(userId), clean(connectionId), clean(tool), clean(errorType),
        clean(errorCode), status, clean(level), clean(message), clean(stack), contextJson, fp, occurred, receivedAt);
  }

  private static String streamText(JsonParser p, JsonToken t, String name, String field, int max) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw HttpFailure.badRequest("the field '" + field + name + "' must be a string");
    }
    if (p.getTextLength() > max) {
      throw HttpFailure.badRequest("the field '" + field + name + "' is longer than " + max + " characters");
    }
    return p.getText();
  }

  /** The context object's exact bytes; re-serialised without NULs only when it holds a \\u0000 escape. */
  private String contextSlice(byte[] raw, int offset, int start, int end) throws IOException {
    int from = offset + start;
    int to = offset + end;
    for (int i = from; i + 5 < to; i++) {
      if (raw[i] == '\\' && raw[i + 1] == 'u' && raw[i + 2] == '0' && raw[i + 3] == '0' && raw[i + 4] == '0'
          && raw[i + 5] == '0') {
        return json(mapper.readTree(raw, from, to - from));
      }
    }
    return new String(raw, from, to - from, StandardCharsets.UTF_8);
  }

  /** The items of a batch body: a JSON array, or NDJSON (one object per line). Each entry is (offset, length). */
  public static List<int[]> ndjsonLines(byte[] body, int length) {
    List<int[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= length; i++) {
      if (i == length || body[i] == '\n') {
        int s = start;
        int e = i;
        while (s < e && isSpace(body[s])) {
          s++;
        }
        while (e > s && isSpace(body[e - 1])) {
          e--;
        }
        if (e > s) {
          lines.add(new int[] {s, e - s});
        }
        start = i + 1;
      }
    }
    return lines;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\r' || b == '\t' || b == '\n';
  }

  /**
   * The items of a JSON array body as (offset, length) of each element's exact bytes, found with a streaming
   * parser (no tree): each item is then checked on its own, so one bad item fails only itself. A body that is not
   * a well-formed array gives a 400; more than {@code maxItems} items a 413.
   */
  public List<int[]> arrayItems(byte[] body, int length, int maxItems) {
    List<int[]> items = new ArrayList<>();
    try (JsonParser p = factory.createParser(body, 0, length)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw HttpFailure.badRequest("the body must be a JSON array of errors");
      }
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw HttpFailure.badRequest("the body is not valid JSON: it ends before the array is closed");
        }
        if (items.size() == maxItems) {
          throw HttpFailure.tooLarge("the batch holds more than " + maxItems + " items");
        }
        long start = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long end = p.currentLocation().getByteOffset();
        items.add(new int[] {(int) start, (int) (end - start)});
      }
      if (p.nextToken() != null) {
        throw HttpFailure.badRequest("the body is not valid JSON: unexpected content after the array");
      }
    } catch (IOException e) {
      throw unreadable(e);
    }
    return items;
  }

  // ---------------------------------------------------------------- Sentry

  /**
   * Normalises a Sentry integration webhook by its {@code Sentry-Hook-Resource}: {@code event_alert} and
   * {@code error} carry a full event, {@code issue} (created, unresolved) carries no stack. Returns null for
   * resources and actions that are acknowledged and ignored.
   */
  public ErrorEvent sentry(String resource, JsonNode root, Instant receivedAt) {
    if (!root.isObject()) {
      throw HttpFailure.badRequest("the Sentry payload must be a JSON object");
    }
    String r = resource == null ? "" : resource.trim();
    switch (r) {
      case "event_alert":
        return sentryEvent(object(root.path("data"), "data").path("event"), "data.event", receivedAt);
      case "error": {
        // The docs' text says data.event, their sample payload data.error: take whichever is there.
        JsonNode data = object(root.path("data"), "data");
        return data.path("error").isObject() || !data.path("event").isObject()
            ? sentryEvent(data.path("error"), "data.error", receivedAt)
            : sentryEvent(data.path("event"), "data.event", receivedAt);
      }
      case "issue":
        return sentryIssue(root, receivedAt);
      default:
        return null;
    }
  }

  private ErrorEvent sentryEvent(JsonNode ev, String at, Instant receivedAt) {
    object(ev, at);
    String eventId = requiredText(ev, "event_id", at + ".");
    JsonNode exception = lastException(ev);
    JsonNode metadata = ev.path("metadata");
    String errorType = firstText(exception.path("type"), metadata.path("type"));
    if (errorType == null) {
      errorType = ev.hasNonNull("title") ? ev.get("title").asText() : "Error";
    }
    String message = firstText(exception.path("value"), metadata.path("value"), ev.path("message"),
        ev.path("title"));
    JsonNode frames = exception.path("stacktrace").path("frames");
    if (!frames.isArray()) {
      frames = ev.path("stacktrace").path("frames");
    }
    List<String> inApp = new ArrayList<>(Fingerprints.FRAMES);
    String stack = null;
    if (frames.isArray() && frames.size() > 0) {
      // Sentry sends frames oldest first: the crashing frame is last.
      for (int i = frames.size() - 1; i >= 0 && inApp.size() < Fingerprints.FRAMES; i--) {
        JsonNode f = frames.get(i);
        if (f.path("in_app").asBoolean(false)) {
          String module = f.path("module").asText(f.path("filename").asText("").toLowerCase());
          inApp.add(module + ":" + f.path("function").asText(""));
        }
      }
      StringBuilder sb = new StringBuilder();
      int from = Math.max(0, frames.size() - MAX_STACK_FRAMES);
      for (int i = from; i < frames.size(); i++) {
        JsonNode f = frames.get(i);
        sb.append("  at ").append(f.path("function").asText("?")).append(" (")
            .append(f.path("filename").asText(f.path("abs_path").asText("?")));
        if (f.has("lineno")) {
          sb.append(':').append(f.path("lineno").asText());
        }
        sb.append(')');
        if (f.path("in_app").asBoolean(false)) {
          sb.append(" [in_app]");
        }
        sb.append('\n');
      }
      stack = sb.toString();
    }
    ObjectNode tags = tags(ev.path("tags"));
    JsonNode user = ev.path("user");
    String userId = firstText(user.path("id"), tags.path("user_id"), tags.path("user.id"));
    String tool = firstText(tags.path("mcp.tool"), tags.path("tool"));
    String connectionId = firstText(tags.path("connection_id"));
    String errorCode = firstText(tags.path("error_code"), exception.path("mechanism").path("data").path("error_type"));
    Integer status = intOrNull(firstText(tags.path("http.status_code"), tags.path("status_code"),
        ev.path("contexts").path("response").path("status_code")));
    String level = ev.path("level").asText("error");
    Instant occurred = sentryTime(ev, at, receivedAt);
    ObjectNode ctx = JsonNodeFactory.instance.objectNode();
    ObjectNode s = ctx.putObject("sentry");
    copy(ev, s, "issue_id", "web_url", "url", "project", "release", "environment", "platform", "culprit", "title",
        "logger");
    ctx.set("tags", tags);
    if (user.isObject()) {
      ctx.set("user", user);
    }
    if (ev.path("contexts").isObject()) {
      ctx.set("contexts", ev.get("contexts"));
    }
    if (ev.path("request").isObject()) {
      ObjectNode req = ctx.putObject("request");
      copy(ev.get("request"), req, "url", "method");
    }
    String fp = Fingerprints.of(errorType, errorCode, message, inApp);
    return new ErrorEvent(SENTRY, limit(eventId, "event_id", at), limit(userId, "user.id", at),
        limit(connectionId, "tags.connection_id", at), limit(tool, "tags.mcp.tool", at),
        limit(errorType, "exception type", at), limit(errorCode, "tags.error_code", at), status, limit(level, "level", at),
        clean(message), clean(stack), json(ctx), fp, occurred, receivedAt);
  }

  private ErrorEvent sentryIssue(JsonNode root, Instant receivedAt) {
    String action = root.path("action").asText("");
    if (!action.equals("created") && !action.equals("unresolved")) {
      return null;
    }
    JsonNode issue = object(object(root.path("data"), "data").path("issue"), "data.issue");
    JsonNode id = issue.get("id");
    if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isBlank()) {
      throw HttpFailure.badRequest("the field 'data.issue.id' is required (a string)");
    }
    JsonNode metadata = issue.path("metadata");
    String title = issue.path("title").asText("");
    String errorType = firstText(metadata.path("type"));
    if (errorType == null) {
      int colon = title.indexOf(':');
      errorType = colon > 0 ? title.substring(0, colon) : (title.isEmpty() ? "SentryIssue" : title);
    }
    String message = firstText(metadata.path("value"), issue.path("title"), issue.path("culprit"));
    ObjectNode ctx = JsonNodeFactory.instance.objectNode();
    ObjectNode s = ctx.putObject("sentry");
    s.put("issue_id", id.asText()).put("action", action);
    copy(issue, s, "shortId", "web_url", "permalink", "culprit", "title", "count", "userCount", "firstSeen",
        "lastSeen", "status", "substatus");
    if (issue.path("project").isObject()) {
      s.set("project", issue.get("project"));
    }
    Instant occurred = receivedAt;
    String last = issue.path("lastSeen").asText(null);
    if (last != null) {
      occurred = parseInstant(last, "data.issue.lastSeen");
    }
    String fp = Fingerprints.of(errorType, null, message, List.of());
    return new ErrorEvent(SENTRY, limit("issue:" + id.asText() + ":" + action, "data.issue.id", "data.issue"),
        null, null, null, limit(errorType, "metadata.type", "data.issue"), null, null,
        issue.path("level").asText("error"), clean(message), null, json(ctx), fp, occurred, receivedAt);
  }

  private static JsonNode lastException(JsonNode ev) {
    JsonNode values = ev.path("exception").path("values");
    if (values.isArray()) {
      for (int i = values.size() - 1; i >= 0; i--) {
        if (values.get(i).isObject()) {
          return values.get(i);
        }
      }
    }
    return MissingNode.getInstance();
  }

  private static ObjectNode tags(JsonNode tags) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (tags.isArray()) {
      for (JsonNode t : tags) {
        if (t.isArray() && t.size() == 2 && t.get(0).isTextual()) {
          out.set(t.get(0).asText(), t.get(1));
        } else if (t.isObject() && t.path("key").isTextual()) {
          out.set(t.get("key").asText(), t.path("value"));
        }
      }
    } else if (tags.isObject()) {
      out.setAll((ObjectNode) tags);
    }
    return out;
  }

  private static Instant sentryTime(JsonNode ev, String at, Instant receivedAt) {
    JsonNode dt = ev.get("datetime");
    if (dt != null && dt.isTextual()) {
      Instant t = null;
      try {
        t = OffsetDateTime.parse(dt.asText()).toInstant();
      } catch (DateTimeParseException e) {
        // fall through to the epoch timestamp
      }
      if (t != null) {
        return inRange(t, at + ".datetime");
      }
    }
    JsonNode ts = ev.get("timestamp");
    if (ts != null && ts.isNumber()) {
      BigDecimal secs = ts.decimalValue();
      if (secs.compareTo(BigDecimal.valueOf(MIN_TIME.getEpochSecond())) < 0
          || secs.compareTo(BigDecimal.valueOf(MAX_TIME.getEpochSecond())) > 0) {
        throw HttpFailure.badRequest("the field '" + at + ".timestamp' is out of range: unix seconds between the "
            + "years 1 and 9999 are required");
      }
      return Instant.ofEpochMilli(secs.movePointRight(3).longValue());
    }
    return receivedAt;
  }

  private static void copy(JsonNode from, ObjectNode to, String... fields) {
    for (String f : fields) {
      JsonNode v = from.get(f);
      if (v != null && !v.isNull()) {
        to.set(f, v);
      }
    }
  }

  // ---------------------------------------------------------------- field helpers

  private static JsonNode object(JsonNode n, String at) {
    if (!n.isObject()) {
      throw HttpFailure.badRequest("the field '" + at + "' is required (an object)");
    }
    return n;
  }

  private static String where(String field, String name) {
    String at = field + name;
    if (at.endsWith(".")) {
      at = at.substring(0, at.length() - 1);
    }
    return at.isEmpty() ? "" : "item " + at + ": ";
  }

  private static String requiredText(JsonNode node, String name, String field) {
    String v = idText(node, name, field);
    if (v == null || v.isBlank()) {
      throw HttpFailure.badRequest("the field '" + field + name + "' is required (a non-empty string)");
    }
    return v;
  }

  private static String idText(JsonNode node, String name, String field) {
    return text(node, name, field, MAX_ID_CHARS);
  }

  private static String text(JsonNode node, String name, String field, int max) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw HttpFailure.badRequest("the field '" + field + name + "' must be a string");
    }
    String s = v.asText();
    if (s.length() > max) {
      throw HttpFailure.badRequest("the field '" + field + name + "' is longer than " + max + " characters");
    }
    return s;
  }




  private static Instant parseInstant(String s, String name) {
    Instant fast = fastInstant(s);
    if (fast != null) {
      return inRange(fast, name);
    }
    try {
      return inRange(OffsetDateTime.parse(s).toInstant(), name);
    } catch (DateTimeParseException e) {
      try {
        return inRange(Instant.parse(s), name);
      } catch (DateTimeParseException e2) {
        throw HttpFailure.badRequest("the field '" + name + "' must be an ISO-8601 timestamp such as "
            + "2026-01-31T12:00:00Z");
      }
    }
  }

  /** A time Postgres stores as sent: years 1 to 9999 (beyond, timestamptz would turn it into infinity or fail). */
  private static Instant inRange(Instant t, String name) {
    if (t.isBefore(MIN_TIME) || t.isAfter(MAX_TIME)) {
      throw HttpFailure.badRequest("the field '" + name + "' is out of range: a time between the years 1 and 9999 "
          + "is required");
    }
    return t;
  }

  /**
   * The common shapes {@code 2026-01-31T12:00:00Z}, with a fraction of up to 9 digits and/or a {@code +hh:mm}
   * offset, without DateTimeFormatter (which costs microseconds per call); null for anything else.
   */
  static Instant fastInstant(String s) {
    int n = s.length();
    if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != 't')
        || s.charAt(13) != ':' || s.charAt(16) != ':') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0
        || minute > 59 || second < 0 || second > 59) {
      return null;
    }
    int i = 19;
    int nanos = 0;
    if (i < n && s.charAt(i) == '.') {
      i++;
      int start = i;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        if (i - start < 9) {
          nanos = nanos * 10 + (s.charAt(i) - '0');
        }
        i++;
      }
      int len = i - start;
      if (len == 0) {
        return null;
      }
      for (int k = len; k < 9; k++) {
        nanos *= 10;
      }
    }
    int offsetSeconds;
    if (i == n - 1 && (s.charAt(i) == 'Z' || s.charAt(i) == 'z')) {
      offsetSeconds = 0;
    } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
      int oh = digits(s, i + 1, 2);
      int om = digits(s, i + 4, 2);
      if (oh < 0 || oh > 18 || om < 0 || om > 59) {
        return null;
      }
      offsetSeconds = (oh * 3600 + om * 60) * (s.charAt(i) == '-' ? -1 : 1);
    } else {
      return null;
    }
    try {
      long epochDay = LocalDate.of(year, month, day).toEpochDay();
      return Instant.ofEpochSecond(epochDay * 86400 + hour * 3600L + minute * 60L + second - offsetSeconds, nanos);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static int digits(String s, int from, int count) {
    int v = 0;
    for (int k = from; k < from + count; k++) {
      char c = s.charAt(k);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static String firstText(JsonNode... nodes) {
    for (JsonNode n : nodes) {
      if (n != null && (n.isTextual() || n.isNumber()) && !n.asText().isEmpty()) {
        return n.asText();
      }
    }
    return null;
  }

  private static Integer intOrNull(String s) {
    if (s == null) {
      return null;
    }
    try {
      int v = Integer.parseInt(s.trim());
      return v >= 100 && v <= 599 ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String limit(String s, String name, String at) {
    if (s != null && s.length() > MAX_ID_CHARS) {
      throw HttpFailure.badRequest("the field '" + at + "." + name + "' is longer than " + MAX_ID_CHARS
          + " characters");
    }
    return clean(s);
  }

  /** Postgres text cannot hold NUL: it becomes U+FFFD; everything else is kept verbatim. */
  static String clean(String s) {
    return s == null || s.indexOf('\u0000') < 0 ? s : s.replace('\u0000', '\uFFFD');
  }

  private String json(JsonNode node) {
    try {
      String s = mapper.writeValueAsString(node);
      if (s.contains("\\u0000")) {
        s = mapper.writeValueAsString(sanitize(node));
      }
      return s;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode sanitize(JsonNode n) {
    if (n.isTextual()) {
      return JsonNodeFactory.instance.textNode(clean(n.asText()));
    }
    if (n.isObject()) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        o.set(clean(e.getKey()), sanitize(e.getValue()));
      }
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      for (JsonNode c : n) {
        a.add(sanitize(c));
      }
      return a;
    }
    return n;
  }

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private static String sha256Hex(byte[] raw, int offset, int length, String salt) {
    MessageDigest md = SHA256.get();
    if (!salt.isEmpty()) {
      // The salt is ASCII (digits, '#'), ended by a NUL no JSON body starts with: salt and bytes cannot run together.
      md.update(salt.getBytes(StandardCharsets.US_ASCII));
      md.update((byte) 0);
    }
    md.update(raw, offset, length);
    return Signatures.hex(md.digest());
  }
}
