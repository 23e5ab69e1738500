package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 240, unit = TimeUnit.SECONDS)
class StarterKnowledgeTest {

  private static long total(Engine e, String path) {
    return new JsonObject(Http.get(e.port(), path, Http.admin()).body()).getLong("total");
  }

  @Test
  void theStarterKnowledgeBaseIsLoadedOnceOnTheFirstStart() {
    // Verifies that conf/knowledge-base.json loads on the first start (25+ articles, 50+ patterns, all valid),
    // answers a product question (and the old-refresh-token class), and is not loaded again after a restart (a deleted article stays deleted).
    String url = TestDatabase.freshDatabase(StarterKnowledgeTest.class.getSimpleName());
    Map<String, String> env = TestEngine.env(url);
    env.put("KNOWLEDGE_SEED_ENABLED", "true");
    Engine engine = TestEngine.start(env);
    long articles;
    try {
      articles = total(engine, "/api/admin/articles");
      assertTrue(articles >= 25, "articles: " + articles);
      assertTrue(total(engine, "/api/admin/patterns") >= 50);
      JsonObject d = KnowledgeFixtures.triage(engine.port(), new JsonObject().put("subject", "429")
          .put("body", "Ik krijg steeds te veel verzoeken (429) van Exact").put("error_code", "EXACT_RATE_LIMIT"));
      assertEquals("exact-rate-limits-explained", KnowledgeFixtures.topSlug(d), d.encode());
      // The single-use refresh token class has its own pattern and article, in Dutch and in English.
      JsonObject nl = KnowledgeFixtures.triage(engine.port(), new JsonObject().put("subject", "Koppeling weg")
          .put("body", "Sinds vanochtend zegt de server: old refresh token used. Wat nu?"));
      assertEquals("refresh-token-single-use-concurrent-refresh", KnowledgeFixtures.topSlug(nl), nl.encode());
      JsonObject en = KnowledgeFixtures.triage(engine.port(), new JsonObject().put("subject", "Link dropped")
          .put("body", "We run the server on two machines and now Exact refuses the token")
          .put("error_code", "OLD_REFRESH_TOKEN_USED"));
      assertEquals("refresh-token-single-use-concurrent-refresh", KnowledgeFixtures.topSlug(en), en.encode());
      assertEquals(204, Http.method(engine.port(), "DELETE", "/api/admin/articles/answer-language?hard=true", null,
          Http.admin()).statusCode());
    } finally {
      engine.stop();
    }
    Engine again = TestEngine.start(env);
    try {
      assertEquals(articles - 1, total(again, "/api/admin/articles"));
    } finally {
      again.stop();
    }
  }
}
