package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class VoyageEmbedderTest {

  /** A deterministic bag-of-words vector, so similar texts get similar vectors from the fake. */
  private static JsonArray vector(String text) {
    double[] v = new double[64];
    for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!w.isEmpty()) {
        v[Math.floorMod(w.hashCode(), 64)] += 1;
      }
    }
    JsonArray out = new JsonArray();
    for (double d : v) {
      out.add(d);
    }
    return out;
  }

  @Test
  void theHostedEmbedderSpeaksVoyagesWireFormatAndTriageSurvivesItsFailure() throws Exception {
    // Verifies the Voyage client against a local fake of POST /v1/embeddings: bearer key, model voyage-3,
    // input_type document/query, vectors stored under the model name, and lexical fallback when Voyage fails.
    Vertx vertx = Vertx.vertx();
    List<JsonObject> requests = new CopyOnWriteArrayList<>();
    AtomicInteger failWith = new AtomicInteger(0);
    HttpServer fake = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      if (!req.path().equals("/v1/embeddings") || !"Bearer test-voyage-key".equals(req.getHeader("Authorization"))) {
        req.response().setStatusCode(401).end("{\"detail\":\"bad key\"}");
        return;
      }
      if (failWith.get() != 0) {
        req.response().setStatusCode(failWith.get()).end("{\"detail\":\"overloaded\"}");
        return;
      }
      JsonObject json = body.toJsonObject();
      requests.add(json);
      JsonArray data = new JsonArray();
      JsonArray input = json.getJsonArray("input");
      for (int i = 0; i < input.size(); i++) {
        data.add(new JsonObject().put("object", "embedding").put("embedding", vector(input.getString(i)))
            .put("index", i));
      }
      req.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("object", "list")
          .put("data", data).put("model", json.getString("model"))
          .put("usage", new JsonObject().put("total_tokens", 10)).encode());
    })).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    String url = TestDatabase.freshDatabase(VoyageEmbedderTest.class.getSimpleName());
    Map<String, String> env = TestEngine.env(url);
    env.put("KNOWLEDGE_EMBEDDING_PROVIDER", "voyage");
    env.put("VOYAGE_BASE_URL", "http://127.0.0.1:" + fake.actualPort());
    env.put("VOYAGE_API_KEY", "test-voyage-key");
    Engine engine = TestEngine.start(env);
    try {
      KnowledgeFixtures.load(engine.port());
      JsonObject first = requests.get(0);
      assertEquals("voyage-3", first.getString("model"));
      assertEquals("document", first.getString("input_type"));
      assertEquals(4, first.getJsonArray("input").size());
      assertEquals(24, TestDatabase.queryLong(url, "SELECT count(*) FROM support_embeddings WHERE embedding_model ="
          + " 'voyage-3' AND dimensions = 64"));

      JsonObject d = KnowledgeFixtures.triage(engine.port(), new JsonObject().put("subject", "API key")
          .put("body", "How do I create a new API key?"));
      assertEquals("api-key-new", KnowledgeFixtures.topSlug(d));
      JsonObject last = requests.get(requests.size() - 1);
      assertEquals("query", last.getString("input_type"));
      assertTrue(d.getJsonArray("articles").getJsonObject(0).getDouble("cosine") > 0.3, d.encode());

      failWith.set(503);
      JsonObject degraded = KnowledgeFixtures.triage(engine.port(), new JsonObject().put("subject", "API key")
          .put("body", "How do I create a new API key?"));
      assertEquals("api-key-new", KnowledgeFixtures.topSlug(degraded));
      assertEquals(0.0, degraded.getJsonArray("articles").getJsonObject(0).getDouble("cosine"));
      assertEquals(502, Http.post(engine.port(), "/api/admin/articles", KnowledgeFixtures.article("new-one", "misc",
          "Nieuw", "New", "Tekst.", "Text.").encode(), Http.admin()).statusCode());
      assertEquals(404, Http.get(engine.port(), "/api/admin/articles/new-one", Http.admin()).statusCode());
    } finally {
      engine.stop();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
