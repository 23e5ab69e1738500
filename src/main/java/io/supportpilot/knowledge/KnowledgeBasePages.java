package io.supportpilot.knowledge;

import io.supportpilot.triage.Triage;
import io.supportpilot.triage.TriageDecision;
import io.supportpilot.triage.TriageQuery;
import io.supportpilot.web.SecurityHeaders;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The public knowledge base: {@code GET /kb/} (published articles by category, and a search box that uses the
 * same search as triage) and {@code GET /kb/{slug}} (one article), plain server-rendered HTML in the customer's
 * language ({@code ?lang=nl|en}, else the first of nl/en in {@code Accept-Language}, else Dutch). No script;
 * every text is HTML-escaped. These are the pages the support agent's answers link to
 * ({@code PUBLIC_BASE_URL/kb/<slug>}).
 */
final class KnowledgeBasePages {

  static final String CSS_PATH = "/kb/kb.css";
  private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{1,99}");
  private static final int MAX_QUERY = 300;
  private static final int MAX_ARTICLES = 1000;

  private final KnowledgeService service;
  private final Triage triage;
  // A String, not a shared Buffer: the pages are mounted on every HTTP event loop.
  private final String css;

  KnowledgeBasePages(KnowledgeService service, Triage triage) {
    this.service = service;
    this.triage = triage;
    this.css = resource("webroot/kb/kb.css");
  }

  void mount(Router router) {
    // Vert.x matches "/kb" for "/kb/" too: redirect only the bare path.
    router.get("/kb").handler(rc -> {
      if ("/kb".equals(rc.request().path())) {
        rc.redirect("/kb/");
      } else {
        rc.next();
      }
    });
    router.route("/kb/*").handler(new SecurityHeaders(SecurityHeaders.PAGES_POLICY));
    router.get(CSS_PATH).handler(rc -> rc.response().putHeader("Content-Type", "text/css; charset=utf-8")
        .putHeader("Cache-Control", "public, max-age=3600").end(css));
    router.get("/kb/").handler(this::index);
    router.get("/kb/:slug").handler(this::article);
  }

  private void index(RoutingContext rc) {
    String lang = language(rc);
    String q = rc.request().getParam("q");
    q = q == null ? "" : q.strip();
    if (q.length() > MAX_QUERY) {
      q = q.substring(0, MAX_QUERY);
    }
    String query = q;
    if (query.isEmpty()) {
      service.listArticles(null, true, null, MAX_ARTICLES, 0).onComplete(ar -> {
        if (ar.failed()) {
          rc.fail(ar.cause());
          return;
        }
        send(rc, 200, "public, max-age=60", listPage(lang, ar.result().items()));
      });
      return;
    }
    Future<TriageDecision> found = triage.triage(new TriageQuery(null, lang, null, query, null));
    found.onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      // A search may hold a customer's own words: never kept by a shared cache.
      send(rc, 200, "no-store", searchPage(lang, query, ar.result().articles()));
    });
  }

  private void article(RoutingContext rc) {
    String lang = language(rc);
    String slug = rc.pathParam("slug");
    if (!SLUG.matcher(slug).matches()) {
      send(rc, 404, "no-store", notFoundPage(lang));
      return;
    }
    service.article(slug).onComplete(ar -> {
      if (ar.failed() || !ar.result().published()) {
        send(rc, 404, "no-store", notFoundPage(lang));
      } else {
        send(rc, 200, "public, max-age=60", articlePage(lang, ar.result()));
      }
    });
  }

  /** {@code ?lang=nl|en}, else the first of nl or en in Accept-Language (by q weight), else nl. */
  static String language(RoutingContext rc) {
    String p = rc.request().getParam("lang");
    if ("nl".equals(p) || "en".equals(p)) {
      return p;
    }
    return fromAcceptLanguage(rc.request().getHeader("Accept-Language"));
  }

  static String fromAcceptLanguage(String header) {
    if (header == null || header.isBlank()) {
      return "nl";
    }
    String best = null;
    double bestQ = -1;
    for (String part : header.split(",")) {
      String[] bits = part.trim().split(";");
      if (bits.length == 0) {
        continue; // an empty entry such as ";" names no language
      }
      String tag = bits[0].trim().toLowerCase(Locale.ROOT);
      String primary = tag.length() >= 2 ? tag.substring(0, 2) : tag;
      if (!primary.equals("nl") && !primary.equals("en")) {
        continue;
      }
      double weight = 1.0;
      for (int i = 1; i < bits.length; i++) {
        String b = bits[i].trim();
        if (b.startsWith("q=")) {
          try {
            weight = Double.parseDouble(b.substring(2));
          } catch (NumberFormatException e) {
            weight = 0;
          }
        }
      }
      if (weight > bestQ) {
        bestQ = weight;
        best = primary;
      }
    }
    return best == null || bestQ <= 0 ? "nl" : best;
  }

  // ---- pages

  String listPage(String lang, List<Article> articles) {
    Map<String, List<Article>> byCategory = new TreeMap<>();
    for (Article a : articles) {
      byCategory.computeIfAbsent(a.category(), c -> new ArrayList<>()).add(a);
    }
    StringBuilder b = head(lang, t(lang, "Kennisbank", "Knowledge base"), "/kb/");
    b.append("<h1>").append(t(lang, "Kennisbank", "Knowledge base")).append("</h1>\n");
    searchForm(b, lang, "");
    if (articles.isEmpty()) {
      b.append("<p>").append(t(lang, "Er zijn nog geen artikelen.", "There are no articles yet.")).append("</p>\n");
    }
    for (Map.Entry<String, List<Article>> e : byCategory.entrySet()) {
      b.append("<section><h2>").append(esc(e.getKey())).append("</h2>\n<ul class=\"articles\">\n");
      for (Article a : e.getValue()) {
        b.append("<li><a href=\"/kb/").append(esc(a.slug())).append("?lang=").append(lang).append("\">")
            .append(esc(a.title(lang))).append("</a></li>\n");
      }
      b.append("</ul></section>\n");
    }
    return foot(b);
  }

  String searchPage(String lang, String q, List<TriageDecision.ArticleMatch> matches) {
    StringBuilder b = head(lang, t(lang, "Zoeken", "Search") + ": " + q, "/kb/");
    b.append("<p class=\"crumbs\"><a href=\"/kb/?lang=").append(lang).append("\">")
        .append(t(lang, "Kennisbank", "Knowledge base")).append("</a></p>\n");
    b.append("<h1>").append(t(lang, "Zoekresultaten", "Search results")).append("</h1>\n");
    searchForm(b, lang, q);
    List<TriageDecision.ArticleMatch> list = matches == null ? List.of() : matches;
    if (list.isEmpty()) {
      b.append("<p>").append(t(lang, "Niets gevonden. Probeer andere woorden.", "Nothing found. Try other words."))
          .append("</p>\n");
    } else {
      b.append("<ol class=\"results\">\n");
      for (TriageDecision.ArticleMatch m : list) {
        String content = m.content() == null ? "" : m.content();
        String excerpt = content.length() <= 220 ? content : content.substring(0, 220) + "...";
        b.append("<li><a href=\"/kb/").append(esc(m.slug())).append("?lang=").append(lang).append("\">")
            .append(esc(m.title())).append("</a><p>").append(esc(excerpt)).append("</p></li>\n");
      }
      b.append("</ol>\n");
    }
    return foot(b);
  }

  String articlePage(String lang, Article a) {
    String other = "nl".equals(lang) ? "en" : "nl";
    StringBuilder b = head(lang, a.title(lang), "/kb/" + a.slug());
    b.append("<p class=\"crumbs\"><a href=\"/kb/?lang=").append(lang).append("\">")
        .append(t(lang, "Kennisbank", "Knowledge base")).append("</a> &rsaquo; ").append(esc(a.category()))
        .append("</p>\n<article>\n<h1>").append(esc(a.title(lang))).append("</h1>\n");
    for (String para : a.content(lang).split("\\n\\s*\\n")) {
      if (!para.isBlank()) {
        b.append("<p>").append(esc(para.strip()).replace("\n", "<br>")).append("</p>\n");
      }
    }
    b.append("</article>\n<p class=\"other\"><a hreflang=\"").append(other).append("\" lang=\"").append(other)
        .append("\" href=\"/kb/").append(esc(a.slug())).append("?lang=").append(other).append("\">")
        .append(t(lang, "Read in English", "Lees in het Nederlands")).append("</a></p>\n");
    searchForm(b, lang, "");
    return foot(b);
  }

  String notFoundPage(String lang) {
    StringBuilder b = head(lang, t(lang, "Niet gevonden", "Not found"), "/kb/");
    b.append("<h1>").append(t(lang, "Dit artikel bestaat niet (meer)", "This article does not exist (any more)"))
        .append("</h1>\n<p><a href=\"/kb/?lang=").append(lang).append("\">")
        .append(t(lang, "Naar de kennisbank", "To the knowledge base")).append("</a></p>\n");
    searchForm(b, lang, "");
    return foot(b);
  }

  private static StringBuilder head(String lang, String title, String canonical) {
    StringBuilder b = new StringBuilder(4096);
    b.append("<!doctype html>\n<html lang=\"").append(lang).append("\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        .append(esc(title)).append(" - ").append(t(lang, "Kennisbank", "Knowledge base")).append("</title>\n")
        .append("<link rel=\"stylesheet\" href=\"").append(CSS_PATH).append("\">\n</head>\n<body>\n")
        .append("<a class=\"skip\" href=\"#main\">").append(t(lang, "Naar de inhoud", "Skip to content"))
        .append("</a>\n<header><a class=\"home\" href=\"/kb/?lang=").append(lang).append("\">")
        .append(t(lang, "Kennisbank", "Knowledge base")).append("</a> <nav class=\"langs\" aria-label=\"")
        .append(t(lang, "Taal", "Language")).append("\"><a href=\"").append(esc(canonical))
        .append("?lang=nl\" lang=\"nl\">Nederlands</a> <a href=\"").append(esc(canonical))
        .append("?lang=en\" lang=\"en\">English</a></nav></header>\n<main id=\"main\">\n");
    return b;
  }

  private static void searchForm(StringBuilder b, String lang, String q) {
    b.append("<form class=\"search\" role=\"search\" method=\"get\" action=\"/kb/\">")
        .append("<input type=\"hidden\" name=\"lang\" value=\"").append(lang).append("\">")
        .append("<label for=\"q\">").append(t(lang, "Zoek in de kennisbank", "Search the knowledge base"))
        .append("</label> <input id=\"q\" name=\"q\" type=\"search\" maxlength=\"").append(MAX_QUERY)
        .append("\" value=\"").append(esc(q)).append("\"> <button type=\"submit\">")
        .append(t(lang, "Zoeken", "Search")).append("</button></form>\n");
  }

  private static String foot(StringBuilder b) {
    return b.append("</main>\n</body>\n</html>\n").toString();
  }

  private static void send(RoutingContext rc, int status, String cache, String html) {
    rc.response().setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", cache)
        .putHeader("Vary", "Accept-Language")
        .end(html);
  }

  private static String t(String lang, String nl, String en) {
    return "nl".equals(lang) ? nl : en;
  }

  /** HTML-escapes text for element content and double-quoted attributes. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String resource(String path) {
    try (InputStream in = KnowledgeBasePages.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
