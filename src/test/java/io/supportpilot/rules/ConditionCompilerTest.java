package io.supportpilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.bus.ErrorEvent;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The condition language: every operator on its field types, relative times, and the validation errors. */
class ConditionCompilerTest {

  static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  static ErrorEvent error(Integer status, String type, String userId, String message) {
    return new ErrorEvent("mcp", "ev-1", userId, "conn-1", "get_invoices", type, "EXACT_500", status, "error",
        message, null, null, "fp-1", NOW.minusSeconds(30), NOW);
  }

  static boolean matches(String condition, ErrorEvent e) {
    Condition c = ConditionCompiler.compile(new JsonObject(condition), Schema.ERROR, "trigger_condition");
    return c.test(new ErrorSubject(e), NOW.toEpochMilli());
  }

  static ValuesSubject conversation(String status, Instant updatedAt) {
    return new ValuesSubject(Schema.CONVERSATION).set("id", "c-1").set("status", status).set("updated_at", updatedAt)
        .set("auto_created", true).set("occurrence_count", 3);
  }

  static boolean matches(String condition, ValuesSubject s) {
    Condition c = ConditionCompiler.compile(new JsonObject(condition), Schema.CONVERSATION, "trigger_condition");
    return c.test(s, NOW.toEpochMilli());
  }

  static InvalidRule invalid(String condition) {
    return assertThrows(InvalidRule.class, () -> ConditionCompiler.compile(new JsonObject(condition), Schema.ERROR,
        "trigger_condition"));
  }

  @Test
  void comparisonOperatorsOnNumbers() {
    // Verifies $eq $ne $gt $gte $lt $lte on a number field, and that a missing number never compares true.
    ErrorEvent e502 = error(502, "ExactApiError", "u1", "Bad gateway");
    ErrorEvent e500 = error(500, "ExactApiError", "u1", "x");
    ErrorEvent none = error(null, "ExactApiError", "u1", "x");
    assertTrue(matches("{\"status_code\": 502}", e502));
    assertTrue(matches("{\"status_code\": {\"$eq\": 502}}", e502));
    assertFalse(matches("{\"status_code\": {\"$ne\": 502}}", e502));
    assertTrue(matches("{\"status_code\": {\"$ne\": 502}}", none), "$ne matches a missing field");
    assertTrue(matches("{\"status_code\": {\"$gt\": 500}}", e502));
    assertFalse(matches("{\"status_code\": {\"$gt\": 500}}", e500));
    assertTrue(matches("{\"status_code\": {\"$gte\": 500}}", e500));
    assertFalse(matches("{\"status_code\": {\"$gte\": 500}}", none));
    assertTrue(matches("{\"status_code\": {\"$lt\": 501}}", e500));
    assertFalse(matches("{\"status_code\": {\"$lt\": 500}}", e500));
    assertTrue(matches("{\"status_code\": {\"$lte\": 500}}", e500));
    assertTrue(matches("{\"status_code\": {\"$gte\": 500, \"$lt\": 600}}", e502), "operators of one field AND");
  }

  @Test
  void setPresenceRegexAndContainsOperators() {
    // Verifies $in $nin $exists $regex $contains on strings and numbers.
    ErrorEvent e = error(429, "RateLimitError", "u1", "Too many requests for division 4411");
    ErrorEvent anonymous = error(429, "RateLimitError", null, "x");
    assertTrue(matches("{\"error_type\": {\"$in\": [\"RateLimitError\", \"Other\"]}}", e));
    assertFalse(matches("{\"error_type\": {\"$nin\": [\"RateLimitError\"]}}", e));
    assertTrue(matches("{\"status_code\": {\"$in\": [429, 503]}}", e));
    assertTrue(matches("{\"status_code\": {\"$nin\": [500, 503]}}", e));
    assertTrue(matches("{\"user_id\": {\"$exists\": true}}", e));
    assertFalse(matches("{\"user_id\": {\"$exists\": true}}", anonymous));
    assertTrue(matches("{\"user_id\": {\"$exists\": false}}", anonymous));
    assertTrue(matches("{\"user_id\": null}", anonymous), "equality with null means absent");
    assertTrue(matches("{\"message\": {\"$regex\": \"division \\\\d+$\"}}", e));
    assertFalse(matches("{\"message\": {\"$regex\": \"^division\"}}", e));
    assertTrue(matches("{\"message\": {\"$regex\": \"(?i)too MANY\"}}", e));
    assertTrue(matches("{\"message\": {\"$contains\": \"requests for\"}}", e));
    assertFalse(matches("{\"message\": {\"$contains\": \"Requests For\"}}", e), "$contains is case-sensitive");
  }

  @Test
  void logicalOperatorsCombine() {
    // Verifies $and, $or, $not and the implicit AND of an object's entries.
    ErrorEvent e = error(503, "ExactApiError", "u1", "Service unavailable");
    assertTrue(matches("{\"$or\": [{\"status_code\": 500}, {\"status_code\": 503}]}", e));
    assertFalse(matches("{\"$and\": [{\"status_code\": 503}, {\"error_type\": \"Other\"}]}", e));
    assertTrue(matches("{\"$not\": {\"error_type\": \"Other\"}}", e));
    assertFalse(matches("{\"status_code\": 503, \"error_type\": \"Other\"}", e));
    assertTrue(matches("{\"$or\": [{\"$not\": {\"status_code\": {\"$gte\": 500}}}, {\"message\": "
        + "{\"$contains\": \"unavailable\"}}]}", e));
    assertTrue(matches("{}", e), "an empty condition matches everything");
  }

  @Test
  void relativeAndAbsoluteTimes() {
    // Verifies "now-4h" style and ISO times on time fields, evaluated against the clock at test time.
    ValuesSubject old = conversation("waiting_support", NOW.minus(Duration.ofHours(4)).minusSeconds(1));
    ValuesSubject fresh = conversation("waiting_support", NOW.minus(Duration.ofHours(3)));
    String rule = "{\"status\": \"waiting_support\", \"updated_at\": {\"$lt\": \"now-4h\"}}";
    assertTrue(matches(rule, old));
    assertFalse(matches(rule, fresh));
    assertFalse(matches(rule, conversation("open", NOW.minus(Duration.ofDays(1)))));
    assertTrue(matches("{\"updated_at\": {\"$gte\": \"now-1d\", \"$lte\": \"now\"}}", fresh));
    assertTrue(matches("{\"updated_at\": {\"$lt\": \"2026-12-01T09:30:00Z\"}}", old));
    assertTrue(matches("{\"updated_at\": {\"$lt\": \"datetime(\\\"now\\\", \\\"-4 hours\\\")\"}}", old),
        "the plan's own datetime(\"now\", \"-4 hours\") form");
    assertTrue(matches("{\"auto_created\": true, \"occurrence_count\": {\"$gte\": 3}}", old));
    assertFalse(matches("{\"waiting_since\": {\"$lt\": \"now\"}}", old), "a missing time never compares true");
  }

  @Test
  void validationNamesThePathOfTheFault() {
    // Verifies that unknown fields and operators, wrong types and bad regexes are refused with their path.
    assertTrue(invalid("{\"status\": 500}").getMessage().startsWith("trigger_condition.status: unknown field"));
    assertEquals("trigger_condition.status_code.$gte", invalid("{\"status_code\": {\"$gte\": \"500\"}}").path());
    assertTrue(invalid("{\"status_code\": {\"$gte\": \"500\"}}").getMessage().contains("is a number; got a string"));
    assertEquals("trigger_condition.status_code.$between", invalid("{\"status_code\": {\"$between\": [1, 2]}}").path());
    assertEquals("trigger_condition.$xor", invalid("{\"$xor\": []}").path());
    assertEquals("trigger_condition.$or[1].error_type.$gt", invalid("{\"$or\": [{\"status_code\": 1}, "
        + "{\"error_type\": {\"$gt\": \"a\"}}]}").path());
    assertEquals("trigger_condition.message.$regex", invalid("{\"message\": {\"$regex\": \"(unclosed\"}}").path());
    assertTrue(invalid("{\"message\": {\"$regex\": \"(unclosed\"}}").getMessage().contains("does not compile"));
    assertTrue(invalid("{\"message\": {\"$regex\": \"^(a+)+$\"}}").getMessage().contains("catastrophically"));
    assertTrue(invalid("{\"occurred_at\": {\"$lt\": \"yesterday\"}}").getMessage().contains("relative time"));
    assertEquals("trigger_condition.status_code.$in[1]", invalid("{\"status_code\": {\"$in\": [500, \"x\"]}}").path());
    assertEquals("trigger_condition.user_id.$exists", invalid("{\"user_id\": {\"$exists\": 1}}").path());
    assertEquals("trigger_condition.status_code.$contains", invalid("{\"status_code\": {\"$contains\": \"5\"}}").path());
    assertEquals("trigger_condition.$and", invalid("{\"$and\": {}}").path());
    // Values that would overflow or never compare: 400 naming the path, not a 500 or a rule that can never run.
    assertEquals("trigger_condition.occurred_at.$gt",
        invalid("{\"occurred_at\": {\"$gt\": \"+999999999-01-01T00:00:00Z\"}}").path());
    assertEquals("trigger_condition.occurred_at.$lt",
        invalid("{\"occurred_at\": {\"$lt\": \"-999999999-01-01T00:00:00Z\"}}").path());
    assertEquals("trigger_condition.occurred_at.$gt",
        invalid("{\"occurred_at\": {\"$gt\": \"now-99999999999999999999d\"}}").path());
    assertEquals("trigger_condition.occurred_at.$gt",
        invalid("{\"occurred_at\": {\"$gt\": \"now-999999999999999d\"}}").path());
    assertEquals("trigger_condition.status_code.$gte", invalid("{\"status_code\": {\"$gte\": 1e400}}").path());
    assertEquals("trigger_condition.status_code.$gte",
        invalid("{\"status_code\": {\"$gte\": 99999999999999999999999}}").path());
    assertEquals("trigger_condition.message.sub", invalid("{\"message\": {\"sub\": 1}}").path());
  }

  @Test
  void regexGuardRefusesNestedRepetitionAndBackreferences() {
    // Verifies the backtracking check: nested quantifiers, quantified alternations and backreferences are refused.
    for (String bad : new String[] {"(a+)+", "(a*)*b", "(a|aa)+", "(\\w+\\s?)*$", "((ab)*)+", "(x+x+)+y",
        "(a{1,10}){2,}", "(.*a){20}", "(a)\\1", "(?<n>a)\\k<n>", "(?:a|b)*c"}) {
      assertNotNull(RegexGuard.problem(bad), bad);
    }
    for (String ok : new String[] {"^ExactApiError$", "division \\d+", "(?i)token (expired|revoked)", "[a-z]+@x\\.nl",
        "(abc)+", "(a+)?", "\\(a+\\)+", "[(a+)]+", "timeout after \\d{1,5} ?ms", "(?:ab){2}"}) {
      assertNull(RegexGuard.problem(ok), ok);
    }
  }

  @Test
  void actionsAreValidatedWithTheirPath() {
    // Verifies action validation: unknown type, bad config values, create_ticket only on errors, SSRF on save.
    JsonObject base = new JsonObject().put("name", "r").put("trigger_type", "error")
        .put("trigger_condition", new JsonObject());
    InvalidRule t = assertThrows(InvalidRule.class, () -> RuleDraft.parse(base.copy().put("actions",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "page_oncall"))), Set.of()));
    assertEquals("actions[0].type", t.path());
    InvalidRule p = assertThrows(InvalidRule.class, () -> RuleDraft.parse(base.copy().put("actions",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "create_ticket")
            .put("config", new JsonObject().put("priority", "asap")))), Set.of()));
    assertEquals("actions[0].config.priority", p.path());
    InvalidRule s = assertThrows(InvalidRule.class, () -> RuleDraft.parse(base.copy().put("trigger_type", "schedule")
        .put("actions", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "create_ticket"))),
        Set.of()));
    assertEquals("actions[0].type", s.path());
    for (String url : new String[] {"http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest",
        "http://[::1]/x", "http://192.168.1.1/", "http://100.64.0.1/", "http://0.0.0.0/"}) {
      InvalidRule w = assertThrows(InvalidRule.class, () -> RuleDraft.parse(base.copy().put("actions",
          new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "webhook")
              .put("config", new JsonObject().put("url", url)))), Set.of()), url);
      assertEquals("actions[0].config.url", w.path(), url);
    }
    assertNotNull(RuleDraft.parse(base.copy().put("actions", new io.vertx.core.json.JsonArray().add(
        new JsonObject().put("type", "webhook").put("config", new JsonObject().put("url", "http://127.0.0.1:9/x")))),
        Set.of("127.0.0.1")), "an allowed host is accepted");
    InvalidRule f = assertThrows(InvalidRule.class, () -> RuleDraft.parse(base.copy().put("actions",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "webhook")
            .put("config", new JsonObject().put("url", "ftp://example.com/")))), Set.of()));
    assertEquals("actions[0].config.url", f.path());
  }

  @Test
  void sharedRegexLeavesAgreeWithTheRegexAndRunOncePerEvent() {
    // Verifies the shared $regex leaf: the literal prefilter never changes an answer (case, alternation, optional
    // last character, non-ASCII text), rules with the same expression share one leaf, and a subject evaluates it once.
    assertEquals("timeout after ", SharedRegex.leadingLiteral("timeout after \\d+ ?ms"));
    assertEquals("divisio", SharedRegex.leadingLiteral("division? \\d+"), "an optional last character is dropped");
    assertNull(SharedRegex.leadingLiteral("timeout|deadline"), "an alternation can start a match elsewhere");
    assertNull(SharedRegex.leadingLiteral("ab\\d"), "too short to be worth a test");
    String[] expressions = {"(?i)timeout after \\d+ ?ms", "timeout after \\d+", "(?i)division? \\d{4}",
        "(?i)token (expired|revoked)", "(?i)caf\u00e9 down", "(?i)x-ray: on", "(?i)abc(?-i)DEF"};
    String[] texts = {"TimeoutError: TIMEOUT AFTER 30 ms", "timeout after 7ms", "Timeout After x", "DIVISIO 1234",
        "division 4411 failed", "Token Revoked", "CAF\u00c9 DOWN", "caf\u00e9 down", "X-RAY: ON", "abcDEF", "ABCdef",
        "\u212aelvin timeout after 5 ms", "", "timeout afte"};
    for (String x : expressions) {
      java.util.regex.Pattern plain = java.util.regex.Pattern.compile(x);
      for (String t : texts) {
        assertEquals(plain.matcher(t).find(), matches(new JsonObject().put("message", new JsonObject()
            .put("$regex", x)).encode(), error(500, "E", "u1", t)), x + " on " + t);
      }
    }
    assertTrue(SharedRegex.of(9, "(?i)a+b") == SharedRegex.of(9, "(?i)a+b"), "one leaf per field and expression");
    SharedRegex leaf = SharedRegex.of(9, "(?i)timeout after \\d+");
    ErrorSubject s = new ErrorSubject(error(500, "E", "u1", "timeout after 12 ms"));
    assertTrue(leaf.test(s));
    assertEquals(Subject.TRUE, s.recalled(leaf), "remembered for the rest of the event");
    assertEquals(Subject.UNKNOWN, new ErrorSubject(error(500, "E", "u1", "x")).recalled(leaf), "not across events");
  }
}
