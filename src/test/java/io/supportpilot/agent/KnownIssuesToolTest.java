package io.supportpilot.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.ActiveSpikes;
import io.supportpilot.bus.SpikeSummary;
import io.supportpilot.knowledge.KnowledgeCapability;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** check_known_issues shows a customer only what concerns their own errors, and matches text like the index does. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KnownIssuesToolTest {

  static String pg;
  static Engine engine;
  static SupportTools tools;

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("KnownIssuesToolTest");
    engine = TestEngine.start(TestEngine.env(pg));
    Instant t = Instant.now().minusSeconds(600);
    // Spikes of two error types: one this customer hit, one only other customers hit.
    ActiveSpikes spikes = () -> List.of(
        new SpikeSummary("s-own", "RateLimitError", 517, 20, 25.9, t, t, true),
        new SpikeSummary("s-other", "OtherTenantError", 913, 10, 91.3, t, t, true));
    TestDatabase.exec(pg, "INSERT INTO users (id, email, language) VALUES ('u-own', 'own@example.nl', 'en')",
        "INSERT INTO support_error_log (event_id, source, user_id, error_type, error_code, message, fingerprint, "
            + "occurred_at) VALUES ('k1', 'mcp', 'u-own', 'RateLimitError', 'EXACT_429', 'too many', 'fk1', "
            + "now() - interval '1 hour'), ('k2', 'mcp', 'u-other', 'OtherTenantError', 'OTHER_1', 'x', 'fk2', "
            + "now() - interval '1 hour')");
    tools = new SupportTools(engine.vertx(), engine.context().pool(), Clock.systemUTC(),
        engine.capability(KnowledgeCapability.class)::triage, () -> Optional.of(spikes), null, null,
        "https://portal.example.test");
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  private static JsonObject call(JsonObject input, String user) throws Exception {
    return tools.knownIssues(input, new SupportTools.Scope("conv-1", user, "en", null)).toCompletionStage()
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void onlySpikesOfTheCustomersOwnErrorTypesAndNoCounts() throws Exception {
    // Verifies that the spike list holds only the type this customer hit recently, without counts, even when the
    // model asks about another customer's error type by name.
    for (JsonObject input : List.of(new JsonObject(), new JsonObject().put("error_type", "OtherTenantError"))) {
      JsonObject r = call(input, "u-own");
      JsonArray spikes = r.getJsonArray("active_spikes");
      assertEquals(1, spikes.size(), r.encode());
      assertEquals("RateLimitError", spikes.getJsonObject(0).getString("error_type"));
      String out = r.encode();
      assertFalse(out.contains("OtherTenantError\",\"started_at"), out);
      // No count as a value or a field (a bare "517" can occur in a timestamp's nanoseconds).
      assertEquals(Set.of("error_type", "started_at", "affects_this_customer"),
          spikes.getJsonObject(0).fieldNames(), out);
      assertFalse(out.contains(":517") || out.contains(":913") || out.contains("count"), out);
    }
    JsonObject stranger = call(new JsonObject(), "u-nobody");
    assertTrue(stranger.getJsonArray("active_spikes").isEmpty(), stranger.encode());
  }

  @Test
  void textIsMatchedByTheKnowledgeIndexMatcherNotBySubstring() throws Exception {
    // Verifies that a pattern keyword matches an inflected form in the text ("request limit" in "requests ... limits"),
    // which a substring check cannot, and that an unrelated text matches nothing.
    int port = engine.port();
    HttpResponse<String> a = Http.post(port, "/api/admin/articles", new JsonObject().put("slug", "request-limits")
        .put("category", "usage").put("title_nl", "Limieten").put("title_en", "Request limits")
        .put("content_nl", "Exact Online beperkt het aantal verzoeken per minuut.")
        .put("content_en", "Exact Online limits the number of requests per minute.").encode(), Http.admin());
    assertEquals(201, a.statusCode(), a.body());
    HttpResponse<String> p = Http.post(port, "/api/admin/patterns", new JsonObject().put("id", "p-limit")
        .put("name", "request limit reached").put("article_slug", "request-limits").put("min_confidence", 0.8)
        .put("keywords", new JsonArray().add("request limit")).put("error_codes", new JsonArray()).encode(),
        Http.admin());
    assertEquals(201, p.statusCode(), p.body());
    String text = "all my requests fail, they hit the limits";
    // The knowledge index takes the new pattern up asynchronously after the 201.
    JsonArray matches = Await.value("the new pattern in the knowledge index", Duration.ofSeconds(10),
        () -> call(new JsonObject().put("text", text), "u-nobody").getJsonArray("known_patterns"), m -> !m.isEmpty());
    assertEquals(1, matches.size(), matches.encode());
    assertEquals("request limit reached", matches.getJsonObject(0).getString("pattern"));
    assertEquals(new JsonArray().add("text"), matches.getJsonObject(0).getJsonArray("matched_on"));
    assertTrue(call(new JsonObject().put("text", "how do I export invoices"), "u-nobody")
        .getJsonArray("known_patterns").isEmpty());
  }
}
