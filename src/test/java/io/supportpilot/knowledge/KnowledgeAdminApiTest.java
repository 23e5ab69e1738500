package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KnowledgeAdminApiTest {

  static Engine engine;
  static int port;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(KnowledgeAdminApiTest.class);
    port = engine.port();
    KnowledgeFixtures.load(port);
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  private static JsonObject error(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  @Test
  void unknownFieldsAndBadValuesAreRefusedNamingTheProblem() {
    // Verifies that article and pattern bodies are validated strictly, with a 400 that names the field.
    JsonObject a = KnowledgeFixtures.articles().get(0).copy().put("slug", "x-new").put("colour", "red");
    JsonObject e = error(Http.post(port, "/api/admin/articles", a.encode(), Http.admin()), 400);
    assertEquals("bad_request", e.getString("error"));
    assertTrue(e.getString("detail").contains("'colour'"), e.encode());

    JsonObject missing = KnowledgeFixtures.articles().get(0).copy().put("slug", "x-new2");
    missing.remove("content_nl");
    assertTrue(error(Http.post(port, "/api/admin/articles", missing.encode(), Http.admin()), 400)
        .getString("detail").contains("content_nl"));
    JsonObject badSlug = KnowledgeFixtures.articles().get(0).copy().put("slug", "Bad Slug!");
    assertTrue(error(Http.post(port, "/api/admin/articles", badSlug.encode(), Http.admin()), 400)
        .getString("detail").contains("slug"));
    assertEquals(400, Http.post(port, "/api/admin/articles", "{not json", Http.admin()).statusCode());
    assertEquals(409, Http.post(port, "/api/admin/articles", KnowledgeFixtures.articles().get(0).encode(),
        Http.admin()).statusCode());

    JsonObject badRegex = KnowledgeFixtures.pattern("p-bad", "download-invoices", 0.8, "(unclosed[",
        List.of("x"), List.of());
    JsonObject re = error(Http.post(port, "/api/admin/patterns", badRegex.encode(), Http.admin()), 400);
    assertTrue(re.getString("detail").contains("regex"), re.encode());
    assertTrue(re.getString("detail").contains("near index"), re.encode());

    JsonObject unknownPatternField = KnowledgeFixtures.pattern("p-x", "download-invoices", 0.8, null,
        List.of("x"), List.of()).put("weight", 3);
    assertTrue(error(Http.post(port, "/api/admin/patterns", unknownPatternField.encode(), Http.admin()), 400)
        .getString("detail").contains("'weight'"));
    JsonObject noArticle = KnowledgeFixtures.pattern("p-y", "no-such-article", 0.8, null, List.of("x"), List.of());
    assertTrue(error(Http.post(port, "/api/admin/patterns", noArticle.encode(), Http.admin()), 400)
        .getString("detail").contains("no-such-article"));
    JsonObject badConfidence = KnowledgeFixtures.pattern("p-z", null, 1.5, null, List.of("x"), List.of());
    assertTrue(error(Http.post(port, "/api/admin/patterns", badConfidence.encode(), Http.admin()), 400)
        .getString("detail").contains("min_confidence"));
    assertEquals(401, Http.post(port, "/api/admin/patterns", "{}", "Content-Type", "application/json")
        .statusCode());
  }

  @Test
  void articlesCanBeListedFilteredPagedReadUpdatedAndDeleted() {
    // Verifies the article CRUD: paging with totals, a category filter, get, partial update, unpublish, hard delete.
    JsonObject page = new JsonObject(Http.get(port, "/api/admin/articles?limit=2&offset=0", Http.admin()).body());
    assertEquals(2, page.getJsonArray("items").size());
    assertTrue(page.getLong("total") >= 6);
    JsonObject billing = new JsonObject(Http.get(port, "/api/admin/articles?category=billing", Http.admin()).body());
    assertEquals(2, billing.getLong("total"));
    assertEquals(400, Http.get(port, "/api/admin/articles?limit=0", Http.admin()).statusCode());

    JsonObject created = KnowledgeFixtures.article("crud-article", "misc", "Titel", "Title", "Inhoud over kaas.",
        "Content about cheese.");
    assertEquals(201, Http.post(port, "/api/admin/articles", created.encode(), Http.admin()).statusCode());
    assertEquals("Title", new JsonObject(Http.get(port, "/api/admin/articles/crud-article", Http.admin()).body())
        .getString("title_en"));
    HttpResponse<String> patched = Http.method(port, "PATCH", "/api/admin/articles/crud-article",
        new JsonObject().put("category", "food").encode(), Http.admin());
    assertEquals(200, patched.statusCode(), patched.body());
    assertEquals("food", new JsonObject(patched.body()).getString("category"));
    assertEquals("Content about cheese.", new JsonObject(patched.body()).getString("content_en"));
    assertEquals(400, Http.method(port, "PUT", "/api/admin/articles/crud-article",
        created.copy().put("slug", "other").encode(), Http.admin()).statusCode());

    assertEquals(204, Http.method(port, "DELETE", "/api/admin/articles/crud-article", null, Http.admin())
        .statusCode());
    assertFalse(new JsonObject(Http.get(port, "/api/admin/articles/crud-article", Http.admin()).body())
        .getBoolean("published"));
    assertEquals(204, Http.method(port, "DELETE", "/api/admin/articles/crud-article?hard=true", null, Http.admin())
        .statusCode());
    assertEquals(404, Http.get(port, "/api/admin/articles/crud-article", Http.admin()).statusCode());
    assertEquals(404, Http.method(port, "DELETE", "/api/admin/articles/crud-article?hard=true", null, Http.admin())
        .statusCode());
  }

  @Test
  void patternsCanBeCreatedFilteredUpdatedAndDeactivated() {
    // Verifies the pattern CRUD: create with a valid regex, filter by article and error code, patch, deactivate.
    JsonObject p = KnowledgeFixtures.pattern("p-crud", "exact-request-limits", 0.8, "(?i)\\b429\\b",
        List.of("te veel verzoeken"), List.of("EXACT_RATE_LIMIT"));
    HttpResponse<String> r = Http.post(port, "/api/admin/patterns", p.encode(), Http.admin());
    assertEquals(201, r.statusCode(), r.body());
    JsonObject byCode = new JsonObject(Http.get(port, "/api/admin/patterns?error_code=EXACT_RATE_LIMIT",
        Http.admin()).body());
    assertEquals("p-crud", byCode.getJsonArray("items").getJsonObject(0).getString("id"));
    assertEquals(1, new JsonObject(Http.get(port, "/api/admin/patterns?article_slug=exact-request-limits",
        Http.admin()).body()).getLong("total"));
    HttpResponse<String> patched = Http.method(port, "PATCH", "/api/admin/patterns/p-crud",
        new JsonObject().put("min_confidence", 0.7).encode(), Http.admin());
    assertEquals(200, patched.statusCode(), patched.body());
    assertEquals(0.7, new JsonObject(patched.body()).getDouble("min_confidence"));
    assertEquals(400, Http.method(port, "PATCH", "/api/admin/patterns/p-crud",
        new JsonObject().put("regex", "a{2,1}").encode(), Http.admin()).statusCode());

    assertEquals(204, Http.method(port, "DELETE", "/api/admin/patterns/p-crud", null, Http.admin()).statusCode());
    JsonObject after = new JsonObject(Http.get(port, "/api/admin/patterns/p-crud", Http.admin()).body());
    assertFalse(after.getBoolean("active"));
    assertEquals(1, new JsonObject(Http.get(port, "/api/admin/patterns?active=false", Http.admin()).body())
        .getLong("total"));
    assertEquals(204, Http.method(port, "DELETE", "/api/admin/patterns/p-crud?hard=true", null, Http.admin())
        .statusCode());
    assertEquals(404, Http.get(port, "/api/admin/patterns/p-crud", Http.admin()).statusCode());
  }

  @Test
  void anUpdatedArticleIsFoundByItsNewWordsImmediately() {
    // Verifies re-indexing on change: after an update the article is the top match for words only the new text has,
    // and after unpublishing it is no longer returned.
    JsonObject a = KnowledgeFixtures.article("reindex-me", "misc", "Oude titel", "Old title",
        "Iets over vergaderingen plannen.", "Something about planning meetings.");
    assertEquals(201, Http.post(port, "/api/admin/articles", a.encode(), Http.admin()).statusCode());
    JsonObject q = new JsonObject().put("subject", "zeppelin hangar").put("body", "Where is the zeppelin hangar?");
    assertEquals(0.0, coverageOf(KnowledgeFixtures.triage(port, q), "reindex-me"));

    JsonObject updated = a.copy().put("title_en", "Zeppelin hangar location")
        .put("content_en", "The zeppelin hangar is behind the office.")
        .put("content_nl", "De zeppelin hangar staat achter het kantoor.");
    HttpResponse<String> r = Http.method(port, "PUT", "/api/admin/articles/reindex-me", updated.encode(),
        Http.admin());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject after = KnowledgeFixtures.triage(port, q);
    assertEquals("reindex-me", KnowledgeFixtures.topSlug(after));
    assertTrue(coverageOf(after, "reindex-me") >= 0.5, after.encode());

    assertEquals(204, Http.method(port, "DELETE", "/api/admin/articles/reindex-me", null, Http.admin()).statusCode());
    assertEquals(-1.0, coverageOf(KnowledgeFixtures.triage(port, q), "reindex-me"));
  }

  /** The term coverage of an article among the matches, -1 when it is not listed. */
  private static double coverageOf(JsonObject decision, String slug) {
    for (Object o : decision.getJsonArray("articles")) {
      JsonObject a = (JsonObject) o;
      if (slug.equals(a.getString("slug"))) {
        return a.getDouble("term_coverage");
      }
    }
    return -1;
  }
}
