package io.supportpilot.knowledge;

import io.supportpilot.Engine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The triage evaluation command: starts an engine on a fresh embedded database, loads a knowledge base file through
 * the admin API, runs labelled questions through {@code POST /api/triage} and prints top-1 article accuracy, route
 * accuracy, the route confusion matrix and wrong auto-responses per language, next to the plan's keyword-only
 * baseline (simple keyword match ratio) in the same run.
 *
 * <p>Usage: {@code TriageEvaluation <kb.json> <questions.jsonl> [--half a|b] [--categories ids.json] [--verbose]
 * [--dump out.jsonl] [--no-warm]} ({@code --dump} writes every question with its full triage response, for offline
 * analysis and for training the router; {@code --categories} names the policy category of some questions, e.g.
 * {@code {"q-1": "refund"}}, also read from a question's own {@code category} field; {@code --no-warm} skips the
 * latency passes). Half a is the odd lines of the file, half b the even ones. Environment variables
 * override configuration as usual (e.g. {@code TRIAGE_SEARCH_MODE=lexical}).
 */
public final class TriageEvaluation {

  private static final String[] ROUTES = {"auto_respond", "suggest_articles", "escalate"};

  private TriageEvaluation() {
  }

  /** Runs the evaluation (see the class comment); exits 0 on success, 1 on failure. */
  public static void main(String[] args) {
    int code = 0;
    try {
      run(args);
    } catch (Exception e) {
      System.err.println("evaluation failed: " + e);
      code = 1;
    }
    // Leftover non-daemon threads of a failed start must not keep the JVM alive.
    System.exit(code);
  }

  private static void run(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: TriageEvaluation <kb.json> <questions.jsonl> [--half a|b] [--categories ids.json] "
          + "[--verbose] [--dump out.jsonl] [--no-warm]");
      System.exit(2);
    }
    String half = null;
    boolean verbose = false;
    Path dump = null;
    boolean warmPasses = true;
    JsonObject categories = new JsonObject();
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("--half") && i + 1 < args.length) {
        half = args[++i];
      } else if (args[i].equals("--dump") && i + 1 < args.length) {
        dump = Path.of(args[++i]);
      } else if (args[i].equals("--categories") && i + 1 < args.length) {
        categories = new JsonObject(Files.readString(Path.of(args[++i])));
      } else if (args[i].equals("--no-warm")) {
        warmPasses = false;
      } else if (args[i].equals("--verbose")) {
        verbose = true;
      }
    }
    JsonObject kb = new JsonObject(Files.readString(Path.of(args[0])));
    List<JsonObject> questions = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(Path.of(args[1]))) {
      if (line.isBlank()) {
        continue;
      }
      n++;
      if (half == null || (half.equals("a") && n % 2 == 1) || (half.equals("b") && n % 2 == 0)) {
        JsonObject q = new JsonObject(line);
        if (q.getString("category") == null && categories.getString(q.getString("id", "")) != null) {
          q.put("category", categories.getString(q.getString("id")));
        }
        questions.add(q);
      }
    }

    Path data = Files.createTempDirectory("supportpilot-eval");
    String token = UUID.randomUUID().toString();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.remove("PG_URL");
    env.remove("KAFKA_BOOTSTRAP_SERVERS");
    env.put("DATA_DIR", data.toString());
    env.put("HTTP_PORT", "0");
    env.put("ADMIN_TOKEN", token);
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    Engine engine = Engine.start(env);
    try {
      Api api = new Api(engine.port(), token);
      long t0 = System.nanoTime();
      for (Object o : kb.getJsonArray("articles", new JsonArray())) {
        api.post("/api/admin/articles", (JsonObject) o, 201);
      }
      for (Object o : kb.getJsonArray("patterns", new JsonArray())) {
        api.post("/api/admin/patterns", (JsonObject) o, 201);
      }
      System.out.printf(Locale.ROOT, "loaded %d articles and %d patterns through the admin API in %d ms%n",
          kb.getJsonArray("articles").size(), kb.getJsonArray("patterns", new JsonArray()).size(),
          (System.nanoTime() - t0) / 1_000_000);

      Tally engineAll = new Tally();
      Map<String, Tally> engineLang = new LinkedHashMap<>();
      Tally baseAll = new Tally();
      Map<String, Tally> baseLang = new LinkedHashMap<>();
      List<Long> latencies = new ArrayList<>();
      List<String> missedEscalations = new ArrayList<>();
      KeywordBaseline baseline = new KeywordBaseline(kb);
      List<String> dumped = new ArrayList<>();
      for (JsonObject q : questions) {
        JsonObject req = new JsonObject().put("subject", q.getString("subject")).put("body", q.getString("body"))
            .put("error_code", q.getString("error_code"));
        long s = System.nanoTime();
        JsonObject d = api.post("/api/triage", req, 200);
        latencies.add((System.nanoTime() - s) / 1000);
        JsonArray arts = d.getJsonArray("articles");
        if (dump != null) {
          dumped.add(new JsonObject().put("question", q).put("triage", d).encode());
        }
        String top = arts.isEmpty() ? null : arts.getJsonObject(0).getString("slug");
        List<String> ranked = new ArrayList<>();
        for (int i = 0; i < arts.size(); i++) {
          ranked.add(arts.getJsonObject(i).getString("slug"));
        }
        String lang = q.getString("lang");
        engineLang.computeIfAbsent(lang, k -> new Tally()).add(q, ranked, d.getString("action"),
            d.getString("escalation"));
        engineAll.add(q, ranked, d.getString("action"), d.getString("escalation"));
        Map.Entry<List<String>, String> b = baseline.decide(q);
        baseLang.computeIfAbsent(lang, k -> new Tally()).add(q, b.getKey(), b.getValue(), "human");
        baseAll.add(q, b.getKey(), b.getValue(), "human");
        if ("escalate".equals(q.getString("gold_route")) && !"escalate".equals(d.getString("action"))) {
          missedEscalations.add(q.getString("id") + " [" + d.getString("action") + "] " + q.getString("subject"));
        }
        boolean wrong = !ok(q, top, d.getString("action"));
        if (verbose && wrong) {
          System.out.printf(Locale.ROOT, "%s %s gold=%s/%s got=%s/%s final=%s raw=%s terms=%s rules=%s%n",
              q.getString("id"), lang, q.getString("gold_article"), q.getString("gold_route"), top,
              d.getString("action"), d.getJsonObject("confidence").getValue("final"),
              d.getJsonObject("confidence").getValue("raw"), d.getJsonArray("query_terms"),
              d.getJsonArray("escalation_rules").encode());
          for (int i = 0; i < Math.min(3, arts.size()); i++) {
            JsonObject a = arts.getJsonObject(i);
            System.out.printf(Locale.ROOT, "     %-36s score=%.3f rank=%.3f cos=%.3f cov=%.3f bm25=%.2f pat=%.2f%n",
                a.getString("slug"), a.getDouble("score"), a.getDouble("rank"), a.getDouble("cosine"),
                a.getDouble("term_coverage"), a.getDouble("bm25"), a.getDouble("pattern_score"));
          }
        }
      }
      System.out.printf(Locale.ROOT, "%n%d questions%s, search mode %s%n", questions.size(),
          half == null ? "" : " (half " + half + ")", env.getOrDefault("TRIAGE_SEARCH_MODE", "hybrid"));
      System.out.println("\n== supportpilot triage (hybrid search + confidence 2.0) ==");
      print(engineAll, engineLang);
      detail(engineAll, engineLang);
      System.out.println("\n== baseline: simple keyword match ratio (plan 2.2 'current state') ==");
      print(baseAll, baseLang);
      System.out.println("\ngold-escalate questions not escalated: " + missedEscalations.size());
      missedEscalations.forEach(m -> System.out.println("  " + m));
      if (dump != null) {
        Files.write(dump, dumped);
        System.out.println("\nevery question with its triage response written to " + dump);
      }
      // The pass above ran on a cold JVM (JIT, first ONNX runs); three more passes show the steady state.
      List<Long> warm = new ArrayList<>();
      for (int pass = 0; pass < (warmPasses ? WARM_PASSES : 0); pass++) {
        for (JsonObject q : questions) {
          JsonObject req = new JsonObject().put("subject", q.getString("subject")).put("body", q.getString("body"))
              .put("error_code", q.getString("error_code"));
          long s = System.nanoTime();
          api.post("/api/triage", req, 200);
          warm.add((System.nanoTime() - s) / 1000);
        }
      }
      if (!latencies.isEmpty() && !warm.isEmpty()) {
        System.out.printf(Locale.ROOT, "%nHTTP triage latency (one at a time, includes HTTP and JSON): first pass"
            + " p50 %.1f ms, p99 %.1f ms; next %d passes p50 %.1f ms, p99 %.1f ms%n", percentile(latencies, 0.5),
            percentile(latencies, 0.99), WARM_PASSES, percentile(warm, 0.5), percentile(warm, 0.99));
      }
    } finally {
      engine.stop();
      deleteTree(data);
    }
  }

  private static final int WARM_PASSES = 3;

  private static double percentile(List<Long> micros, double p) {
    List<Long> sorted = new ArrayList<>(micros);
    sorted.sort(Comparator.naturalOrder());
    return sorted.get(Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(sorted.size() * p) - 1))) / 1000.0;
  }

  private static boolean ok(JsonObject q, String top, String action) {
    String gold = q.getString("gold_article");
    boolean articleOk = gold == null || gold.equals(top);
    return articleOk && q.getString("gold_route").equals(action);
  }

  private static void print(Tally all, Map<String, Tally> byLang) {
    System.out.printf(Locale.ROOT, "%-6s %-22s %-22s %-26s %s%n", "lang", "top-1 (gold article)", "route accuracy",
        "wrong auto-responses", "gold article in top 3");
    for (Map.Entry<String, Tally> e : byLang.entrySet()) {
      e.getValue().line(e.getKey());
    }
    all.line("all");
    System.out.println("route confusion (rows gold, columns predicted), all languages:");
    System.out.printf(Locale.ROOT, "  %-18s %14s %18s %10s%n", "", ROUTES[0], ROUTES[1], ROUTES[2]);
    for (int g = 0; g < 3; g++) {
      System.out.printf(Locale.ROOT, "  %-18s %14d %18d %10d%n", ROUTES[g], all.confusion[g][0], all.confusion[g][1],
          all.confusion[g][2]);
    }
  }

  /**
   * Per language: the route confusion, auto-respond precision and share, the wrong auto-responses by id, escalation
   * recall per team (escalated at all, and to the labelled team) and recall per policy category.
   */
  private static void detail(Tally all, Map<String, Tally> byLang) {
    Map<String, Tally> rows = new LinkedHashMap<>(byLang);
    rows.put("all", all);
    for (Map.Entry<String, Tally> e : rows.entrySet()) {
      Tally t = e.getValue();
      System.out.printf(Locale.ROOT, "%n[%s] auto-respond: share %d/%d = %.1f%%, precision %d/%d = %.1f%%, wrong %d = %.1f%% of all %s%n",
          e.getKey(), t.auto, t.total, Tally.pct(t.auto, t.total), t.auto - t.wrongAuto, t.auto,
          Tally.pct(t.auto - t.wrongAuto, t.auto), t.wrongAuto, Tally.pct(t.wrongAuto, t.total), t.wrongAutoIds);
      System.out.printf(Locale.ROOT, "[%s] route confusion (rows gold, columns predicted):%n", e.getKey());
      System.out.printf(Locale.ROOT, "  %-18s %14s %18s %10s%n", "", ROUTES[0], ROUTES[1], ROUTES[2]);
      for (int g = 0; g < 3; g++) {
        System.out.printf(Locale.ROOT, "  %-18s %14d %18d %10d%n", ROUTES[g], t.confusion[g][0], t.confusion[g][1],
            t.confusion[g][2]);
      }
      t.teamRecall.forEach((team, r) -> System.out.printf(Locale.ROOT,
          "[%s] escalation recall, team %-6s: escalated %d/%d = %.0f%%, to that team %d/%d = %.0f%%%n", e.getKey(), team,
          r[1], r[0], Tally.pct(r[1], r[0]), r[2], r[0], Tally.pct(r[2], r[0])));
      t.categoryRecall.forEach((c, r) -> System.out.printf(Locale.ROOT,
          "[%s] category %-20s: escalated %d/%d, to the labelled team %d/%d%n", e.getKey(), c, r[1], r[0], r[2],
          r[0]));
    }
  }

  private static final class Tally {
    int total;
    int withGold;
    int top1;
    int top3;
    int routeOk;
    int wrongAuto;
    int auto;
    final int[][] confusion = new int[3][3];
    final List<String> wrongAutoIds = new ArrayList<>();
    final Map<String, int[]> teamRecall = new java.util.TreeMap<>();
    final Map<String, int[]> categoryRecall = new java.util.TreeMap<>();

    void add(JsonObject q, List<String> ranked, String action, String escalation) {
      total++;
      String goldTeam = q.getString("gold_escalation", "none");
      if ("escalate".equals(q.getString("gold_route"))) {
        int[] r = teamRecall.computeIfAbsent(goldTeam, k -> new int[3]);
        r[0]++;
        if ("escalate".equals(action)) {
          r[1]++;
          if (goldTeam.equals(escalation)) {
            r[2]++;
          }
        }
      }
      String category = q.getString("category");
      if (category != null) {
        int[] r = categoryRecall.computeIfAbsent(category, k -> new int[3]);
        r[0]++;
        if ("escalate".equals(action)) {
          r[1]++;
          if (goldTeam.equals(escalation)) {
            r[2]++;
          }
        }
      }
      if ("auto_respond".equals(action)) {
        auto++;
      }
      String gold = q.getString("gold_article");
      String top = ranked.isEmpty() ? null : ranked.get(0);
      if (gold != null) {
        withGold++;
        if (gold.equals(top)) {
          top1++;
        }
        if (ranked.subList(0, Math.min(3, ranked.size())).contains(gold)) {
          top3++;
        }
      }
      String goldRoute = q.getString("gold_route");
      if (goldRoute.equals(action)) {
        routeOk++;
      }
      if ("auto_respond".equals(action) && (!"auto_respond".equals(goldRoute) || gold == null || !gold.equals(top))) {
        wrongAuto++;
        wrongAutoIds.add(q.getString("id"));
      }
      confusion[idx(goldRoute)][idx(action)]++;
    }

    void line(String label) {
      System.out.printf(Locale.ROOT,
          "%-6s %3d/%-3d = %5.1f%%      %3d/%-3d = %5.1f%%      %3d = %4.1f%% of all          %3d/%-3d = %5.1f%%%n",
          label, top1, withGold, pct(top1, withGold), routeOk, total, pct(routeOk, total), wrongAuto,
          pct(wrongAuto, total), top3, withGold, pct(top3, withGold));
    }

    static double pct(int a, int b) {
      return b == 0 ? 0 : 100.0 * a / b;
    }

    private static int idx(String route) {
      for (int i = 0; i < 3; i++) {
        if (ROUTES[i].equals(route)) {
          return i;
        }
      }
      return 2;
    }
  }

  /**
   * The plan's "current state": for every article, the share of its keywords (its tags and the keywords of the
   * patterns pointing to it) found in the question; the best ratio picks the article and routes with the same bars.
   */
  private static final class KeywordBaseline {
    private final Map<String, List<String>> keywords = new LinkedHashMap<>();

    KeywordBaseline(JsonObject kb) {
      for (Object o : kb.getJsonArray("articles", new JsonArray())) {
        JsonObject a = (JsonObject) o;
        List<String> k = new ArrayList<>();
        a.getJsonArray("tags", new JsonArray()).forEach(t -> k.add(t.toString().toLowerCase(Locale.ROOT)));
        keywords.put(a.getString("slug"), k);
      }
      for (Object o : kb.getJsonArray("patterns", new JsonArray())) {
        JsonObject p = (JsonObject) o;
        List<String> k = keywords.get(p.getString("article_slug"));
        if (k != null) {
          p.getJsonArray("keywords", new JsonArray()).forEach(t -> k.add(t.toString().toLowerCase(Locale.ROOT)));
        }
      }
    }

    /** The articles with a keyword hit, best ratio first, and the route of the best ratio. */
    Map.Entry<List<String>, String> decide(JsonObject q) {
      String text = (q.getString("subject", "") + " " + q.getString("body", "") + " "
          + (q.getString("error_code") == null ? "" : q.getString("error_code"))).toLowerCase(Locale.ROOT);
      Map<String, Double> ratios = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> e : keywords.entrySet()) {
        if (e.getValue().isEmpty()) {
          continue;
        }
        int hits = 0;
        for (String k : e.getValue()) {
          if (text.contains(k)) {
            hits++;
          }
        }
        if (hits > 0) {
          ratios.put(e.getKey(), (double) hits / e.getValue().size());
        }
      }
      List<String> ranked = new ArrayList<>(ratios.keySet());
      ranked.sort(Comparator.comparingDouble((String k) -> ratios.get(k)).reversed());  // stable: KB order on ties
      double bestRatio = ranked.isEmpty() ? 0 : ratios.get(ranked.get(0));
      String route = bestRatio >= 0.85 ? "auto_respond" : bestRatio >= 0.6 ? "suggest_articles" : "escalate";
      return Map.entry(ranked, route);
    }
  }

  private static final class Api {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;
    private final String token;

    Api(int port, String token) {
      this.port = port;
      this.token = token;
    }

    JsonObject post(String path, JsonObject body, int expected) throws IOException, InterruptedException {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != expected) {
        throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
      }
      return new JsonObject(r.body());
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
