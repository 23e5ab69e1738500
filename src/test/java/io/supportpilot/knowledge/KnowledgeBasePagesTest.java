package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The public knowledge base over HTTP: language choice, escaping, unpublished articles, search, headers. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KnowledgeBasePagesTest {

  static Engine engine;
  static int port;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(KnowledgeBasePagesTest.class);
    port = engine.port();
    article("kb-token-expired", "Token verlopen: opnieuw koppelen", "Token expired: reconnect",
        "Open het portaal en kies Opnieuw autoriseren.\n\nDaarna werkt je assistent weer.",
        "Open the portal and choose Re-authorise.\n\nYour assistant then works again.", true);
    article("kb-probe", "Probe <script>alert(1)</script>", "Probe <img src=x onerror=alert(1)>",
        "Tekst met \"quotes\" & <b>tags</b>", "Text with \"quotes\" & <b>tags</b>", true);
    article("kb-draft", "Concept", "Draft", "Nog niet klaar", "Not ready yet", false);
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  static void article(String slug, String titleNl, String titleEn, String nl, String en, boolean published) {
    JsonObject a = new JsonObject().put("slug", slug).put("category", "connections").put("title_nl", titleNl)
        .put("title_en", titleEn).put("content_nl", nl).put("content_en", en).put("tags", new JsonArray())
        .put("published", published);
    HttpResponse<String> r = Http.post(port, "/api/admin/articles", a.encode(), Http.admin());
    assertEquals(201, r.statusCode(), r.body());
  }

  // Verifies that ?lang wins, then Accept-Language (by weight), then Dutch.
  @Test
  void theLanguageComesFromTheQueryThenTheBrowser() {
    assertTrue(Http.get(port, "/kb/kb-token-expired?lang=en").body().contains("<h1>Token expired: reconnect</h1>"));
    assertTrue(Http.get(port, "/kb/kb-token-expired?lang=nl", "Accept-Language", "en")
        .body().contains("<h1>Token verlopen: opnieuw koppelen</h1>"));
    HttpResponse<String> en = Http.get(port, "/kb/kb-token-expired", "Accept-Language", "de-DE,en;q=0.8,nl;q=0.5");
    assertTrue(en.body().contains("<html lang=\"en\">"), en.body());
    assertTrue(Http.get(port, "/kb/kb-token-expired", "Accept-Language", "nl-BE,en;q=0.5").body()
        .contains("<html lang=\"nl\">"));
    assertTrue(Http.get(port, "/kb/kb-token-expired").body().contains("<html lang=\"nl\">"));
    assertEquals("en", KnowledgeBasePages.fromAcceptLanguage("en-GB;q=0.9, nl;q=0.2"));
    assertEquals("nl", KnowledgeBasePages.fromAcceptLanguage("fr, de"));
    assertEquals("nl", KnowledgeBasePages.fromAcceptLanguage(";"));
    assertEquals("nl", KnowledgeBasePages.fromAcceptLanguage(";;;,,,"));
    assertEquals("en", KnowledgeBasePages.fromAcceptLanguage(";, en"));
    String page = Http.get(port, "/kb/kb-token-expired?lang=en").body();
    assertTrue(page.contains("<p>Open the portal and choose Re-authorise.</p>\n<p>Your assistant then works again.</p>"),
        page);
  }

  // Verifies that every article text is HTML-escaped, titles, contents and the search query alike.
  @Test
  void articleTextIsEscaped() {
    String nl = Http.get(port, "/kb/kb-probe?lang=nl").body();
    assertTrue(nl.contains("Probe &lt;script&gt;alert(1)&lt;/script&gt;"), nl);
    assertTrue(nl.contains("Tekst met &quot;quotes&quot; &amp; &lt;b&gt;tags&lt;/b&gt;"), nl);
    assertFalse(nl.contains("<script>"));
    String en = Http.get(port, "/kb/kb-probe?lang=en").body();
    assertTrue(en.contains("&lt;img src=x onerror=alert(1)&gt;"), en);
    String search = Http.get(port, "/kb/?lang=en&q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").body();
    assertFalse(search.contains("<script>"), search);
    assertTrue(search.contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""), search);
  }

  // Verifies that the index lists only published articles and that drafts and unknown slugs answer 404 pages.
  @Test
  void onlyPublishedArticlesAreShown() {
    HttpResponse<String> index = Http.get(port, "/kb/?lang=en");
    assertEquals(200, index.statusCode());
    assertTrue(index.body().contains("href=\"/kb/kb-token-expired?lang=en\""), index.body());
    assertFalse(index.body().contains("kb-draft"));
    assertEquals(404, Http.get(port, "/kb/kb-draft").statusCode());
    assertEquals(404, Http.get(port, "/kb/no-such-article").statusCode());
    HttpResponse<String> bad = Http.get(port, "/kb/..%2Fetc");
    assertEquals(404, bad.statusCode());
    assertTrue(bad.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertEquals(302, Http.get(port, "/kb").statusCode());
  }

  // Verifies that the search box uses the triage search: a Dutch question finds the matching article.
  @Test
  void searchUsesTheTriageSearch() {
    HttpResponse<String> r = Http.get(port, "/kb/?lang=nl&q=mijn+token+is+verlopen%2C+hoe+koppel+ik+opnieuw");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("href=\"/kb/kb-token-expired?lang=nl\""), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
    assertFalse(r.body().contains("kb-draft"));
  }

  // Verifies the security headers: no script at all, no framing, no sniffing; the stylesheet is served.
  @Test
  void pagesCarrySecurityHeaders() {
    HttpResponse<String> r = Http.get(port, "/kb/kb-token-expired");
    String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), csp);
    assertFalse(csp.contains("script-src"), csp);
    assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""));
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertFalse(r.body().contains("<script"));
    HttpResponse<String> css = Http.get(port, KnowledgeBasePages.CSS_PATH);
    assertEquals(200, css.statusCode());
    assertTrue(css.headers().firstValue("Content-Type").orElse("").startsWith("text/css"));
  }
}
