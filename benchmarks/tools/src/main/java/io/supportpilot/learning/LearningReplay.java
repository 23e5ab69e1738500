package io.supportpilot.learning;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The learning replay: on a fresh embedded engine with a knowledge base file, measures triage on the held-out half of
 * a labelled question file, then replays the tuning half as customer conversations (a question with a gold article
 * is resolved by a human with that article and rated 5; one without is escalated), measures again (the resolved
 * conversations alone, as triage history), runs the learning jobs, approves every suggestion, and measures a third
 * time. The halves are those of {@code scripts/eval.sh} ({@code TriageEvaluation}): the tuning half (a) is the odd
 * non-blank lines, the held-out half (b) the even ones.
 *
 * <p>Usage: {@code LearningReplay <kb.json> <questions.jsonl>}.
 */
public final class LearningReplay {

  private LearningReplay() {
  }

  /** Runs the replay (see the class comment); exits 0 on success, 1 on failure. */
  public static void main(String[] args) {
    int code = 0;
    try {
      run(args);
    } catch (Exception e) {
      System.err.println("replay failed: " + e);
      code = 1;
    }
    System.exit(code);
  }

  private static void run(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: LearningReplay <kb.json> <questions.jsonl>");
      System.exit(2);
    }
    JsonObject kb = new JsonObject(Files.readString(Path.of(args[0])));
    List<JsonObject> tuning = new ArrayList<>();
    List<JsonObject> heldOut = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(Path.of(args[1]))) {
      if (line.isBlank()) {
        continue;
      }
      n++;
      // The split of TriageEvaluation --half: a = odd non-blank lines, b = even ones.
      (n % 2 == 1 ? tuning : heldOut).add(new JsonObject(line));
    }
    Path data = Files.createTempDirectory("supportpilot-replay");
    String token = UUID.randomUUID().toString();
    String portal = UUID.randomUUID().toString();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.remove("PG_URL");
    env.remove("KAFKA_BOOTSTRAP_SERVERS");
    env.remove("ANTHROPIC_API_KEY");
    env.put("DATA_DIR", data.toString());
    env.put("HTTP_PORT", "0");
    env.put("ADMIN_TOKEN", token);
    env.put("PORTAL_SERVICE_TOKEN", portal);
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    env.put("KNOWLEDGE_CONVERSATION_REFRESH", "1s");
    // The replay plays the human desk itself: no agent answers in between, no scheduled runs.
    env.put("AGENT_ENABLED", "false");
    env.put("LEARNING_INTERVAL", "24h");
    env.put("LEARNING_OPTIMISE_INTERVAL", "24h");
    Engine engine = Engine.start(env);
    try {
      Api admin = new Api(engine.port(), token);
      Api customer = new Api(engine.port(), portal);
      for (Object o : kb.getJsonArray("articles", new JsonArray())) {
        admin.send("POST", "/api/admin/articles", (JsonObject) o, 201);
      }
      for (Object o : kb.getJsonArray("patterns", new JsonArray())) {
        admin.send("POST", "/api/admin/patterns", (JsonObject) o, 201);
      }
      System.out.printf(Locale.ROOT, "%d tuning questions replayed, %d held-out questions measured%n%n",
          tuning.size(), heldOut.size());
      Tally before = measure(admin, heldOut);

      int resolved = 0;
      int escalated = 0;
      for (int i = 0; i < tuning.size(); i++) {
        JsonObject q = tuning.get(i);
        String user = "replay-" + i;
        String lang = "en".equals(q.getString("lang")) ? "en" : "nl";
        JsonObject c = customer.send("POST", "/api/support/conversations", new JsonObject().put("user_id", user)
            .put("subject", q.getString("subject")).put("message", q.getString("body")).put("language", lang), 201);
        String id = c.getString("id");
        long version = admin.send("GET", "/api/admin/conversations/" + id, null, 200).getJsonObject("conversation")
            .getLong("version");
        String gold = q.getString("gold_article");
        if (gold != null) {
          admin.send("POST", "/api/admin/conversations/" + id + "/resolve", new JsonObject().put("version", version)
              .put("resolution_summary", "Solved with the linked article.").put("article_slug", gold), 200);
          customer.send("POST", "/api/support/conversations/" + id + "/rating", new JsonObject().put("user_id", user)
              .put("rating", 5).put("resolved", true), 200);
          resolved++;
        } else {
          admin.send("PATCH", "/api/admin/conversations/" + id, new JsonObject().put("version", version)
              .put("status", "escalated"), 200);
          escalated++;
        }
      }
      Thread.sleep(3000);  // the knowledge refresh picks up resolved conversations every second
      Tally history = measure(admin, heldOut);

      JsonObject summary = admin.send("POST", "/api/admin/learning/run", new JsonObject(), 200);
      JsonArray pending = admin.send("GET", "/api/admin/suggestions?status=pending_review&limit=500", null, 200)
          .getJsonArray("items");
      int approved = 0;
      int failed = 0;
      for (Object o : pending) {
        JsonObject s = (JsonObject) o;
        try {
          admin.send("POST", "/api/admin/suggestions/" + s.getLong("id") + "/approve", new JsonObject(), 200);
          approved++;
        } catch (IllegalStateException e) {
          failed++;
          System.out.println("  not approved: " + e.getMessage());
        }
      }
      Tally after = measure(admin, heldOut);

      System.out.printf(Locale.ROOT, "replayed: %d resolved with the gold article and rated 5, %d escalated%n",
          resolved, escalated);
      System.out.println("learning run: " + summary.encode());
      System.out.printf(Locale.ROOT, "suggestions approved: %d (%d could not be approved)%n%n", approved, failed);
      System.out.printf(Locale.ROOT, "%-44s %-22s %-22s %s%n", "held-out half (b)", "top-1 (gold article)",
          "route accuracy", "wrong auto-responses");
      before.line("before");
      history.line("after replay (resolutions as history only)");
      after.line("after learning (suggestions approved)");
      System.out.println("\nheld-out questions whose outcome changed with learning (gold; before -> after):");
      for (int i = 0; i < heldOut.size(); i++) {
        if (!history.outcomes.get(i).equals(after.outcomes.get(i))) {
          JsonObject q = heldOut.get(i);
          System.out.printf(Locale.ROOT, "  %s %s/%s; %s -> %s%n", q.getString("id"), q.getString("gold_article"),
              q.getString("gold_route"), history.outcomes.get(i), after.outcomes.get(i));
        }
      }
    } finally {
      engine.stop();
      deleteTree(data);
    }
  }

  private static Tally measure(Api admin, List<JsonObject> questions) throws IOException, InterruptedException {
    Tally t = new Tally();
    for (JsonObject q : questions) {
      JsonObject d = admin.send("POST", "/api/triage", new JsonObject().put("subject", q.getString("subject"))
          .put("body", q.getString("body")).put("error_code", q.getString("error_code")), 200);
      JsonArray arts = d.getJsonArray("articles");
      String top = arts.isEmpty() ? null : arts.getJsonObject(0).getString("slug");
      t.add(q, top, d.getString("action"));
    }
    return t;
  }

  /** The same counting as TriageEvaluation: top-1 over questions with a gold article, route, wrong auto. */
  private static final class Tally {
    int total;
    int withGold;
    int top1;
    int routeOk;
    int wrongAuto;
    final List<String> outcomes = new ArrayList<>();

    void add(JsonObject q, String top, String action) {
      total++;
      outcomes.add(top + "/" + action);
      String gold = q.getString("gold_article");
      if (gold != null) {
        withGold++;
        if (gold.equals(top)) {
          top1++;
        }
      }
      String goldRoute = q.getString("gold_route");
      if (goldRoute.equals(action)) {
        routeOk++;
      }
      if ("auto_respond".equals(action) && (!"auto_respond".equals(goldRoute) || gold == null || !gold.equals(top))) {
        wrongAuto++;
      }
    }

    void line(String label) {
      System.out.printf(Locale.ROOT, "%-44s %3d/%-3d = %5.1f%%      %3d/%-3d = %5.1f%%      %3d = %4.1f%% of all%n",
          label, top1, withGold, pct(top1, withGold), routeOk, total, pct(routeOk, total), wrongAuto,
          pct(wrongAuto, total));
    }

    static double pct(int a, int b) {
      return b == 0 ? 0 : 100.0 * a / b;
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

    JsonObject send(String method, String path, JsonObject body, int expected) throws IOException,
        InterruptedException {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofMinutes(5)).header("Authorization", "Bearer " + token)
          .header("Content-Type", "application/json");
      b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofString(body.encode()));
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != expected) {
        throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
      }
      return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
