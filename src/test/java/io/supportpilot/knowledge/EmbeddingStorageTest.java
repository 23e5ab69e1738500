package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EmbeddingStorageTest {

  private static long computed(Engine engine) {
    return engine.capability(KnowledgeCapability.class).service().orElseThrow().embeddingsComputed();
  }

  @Test
  void embeddingsAreStoredAndRecomputedOnlyWhenTheContentChanges() {
    // Verifies support_embeddings caching: 4 vectors per new article, none for a change that does not touch the
    // embedded text, one for a change of one language, and none after a restart (all read back from Postgres).
    String url = TestDatabase.freshDatabase(EmbeddingStorageTest.class.getSimpleName());
    Engine engine = TestEngine.start(TestEngine.env(url));
    try {
      JsonObject a = KnowledgeFixtures.articles().get(2);
      assertEquals(201, Http.post(engine.port(), "/api/admin/articles", a.encode(), Http.admin()).statusCode());
      assertEquals(4, computed(engine));
      assertEquals(4, TestDatabase.queryLong(url, "SELECT count(*) FROM support_embeddings WHERE source_type ="
          + " 'article' AND source_id = 'download-invoices' AND embedding_model = 'all-minilm-l6-v2-q'"
          + " AND dimensions = 384"));

      assertEquals(200, Http.method(engine.port(), "PATCH", "/api/admin/articles/download-invoices",
          new JsonObject().put("category", "invoices").encode(), Http.admin()).statusCode());
      assertEquals(4, computed(engine));

      assertEquals(200, Http.method(engine.port(), "PATCH", "/api/admin/articles/download-invoices",
          new JsonObject().put("content_en", "Invoices are under Billing; click one to get the pdf.").encode(),
          Http.admin()).statusCode());
      assertEquals(5, computed(engine));
      assertEquals(4, TestDatabase.queryLong(url, "SELECT count(*) FROM support_embeddings"));
    } finally {
      engine.stop();
    }

    Engine again = TestEngine.start(TestEngine.env(url));
    try {
      assertEquals(0, computed(again));
      JsonObject d = KnowledgeFixtures.triage(again.port(), new JsonObject().put("subject", "pdf")
          .put("body", "How do I get the pdf of an invoice?"));
      assertEquals("download-invoices", KnowledgeFixtures.topSlug(d));
    } finally {
      again.stop();
    }
  }
}
