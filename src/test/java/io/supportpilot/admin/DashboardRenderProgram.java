package io.supportpilot.admin;

import io.supportpilot.Engine;
import io.supportpilot.testing.Browser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;

/**
 * Times the dashboard in headless Chromium against an existing store (e.g. the 1,000,000 conversations that
 * {@code DeskQueueProgram -Ddata=DIR} leaves behind): a cold page load until the overview's success metrics and
 * charts are on screen, and the queue's first page after switching to it, each {@code runs} times, printed as
 * p50 / max. Not a test: run it by hand (see docs/dashboard.md).
 *
 * <p>{@code java [-Dfill=1000000] -cp target/classes:target/test-classes:$(cat target/test-classpath.txt)
 * io.supportpilot.admin.DashboardRenderProgram DATA_DIR [runs]} with the store's admin token in
 * {@code ADMIN_TOKEN} (default {@code desk-bench-admin-token}); {@code -Dfill=N} first tops the store in DATA_DIR
 * up to N conversations.
 */
public final class DashboardRenderProgram {

  private static final String RENDERED = "const done = arguments[arguments.length - 1];"
      + "const t0 = arguments[0];"
      + "const sel = arguments[1];"
      + "(function poll() {"
      + "  if (sel.every(s => document.querySelector(s))) { done(performance.now() - t0); }"
      + "  else if (performance.now() - t0 > 30000) { done(-1); }"
      + "  else { requestAnimationFrame(poll); }"
      + "})();";

  private DashboardRenderProgram() {
  }

  /** Entry point: {@code DATA_DIR [runs]}. */
  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String token = System.getenv().getOrDefault("ADMIN_TOKEN", "desk-bench-admin-token");
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("ADMIN_TOKEN", token);
    env.put("DATA_DIR", data.toString());
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    env.put("AGENT_ENABLED", "false");
    env.put("TICKETS_ENABLED", "false");
    env.put("KNOWLEDGE_CONVERSATION_LIMIT", "0");
    Engine engine = Engine.start(env);
    fill(engine, Integer.getInteger("fill", 0));
    String base = "http://127.0.0.1:" + engine.port();
    try (Browser browser = Browser.start()) {
      browser.open(base + "/admin/");
      browser.find("#token").sendKeys(token);
      browser.find("#signin-button").click();
      browser.find("#app");
      browser.driver().manage().timeouts().scriptTimeout(Duration.ofSeconds(40));
      JavascriptExecutor js = (JavascriptExecutor) browser.driver();
      List<Double> overview = new ArrayList<>();
      List<Double> queue = new ArrayList<>();
      for (int i = 0; i < runs + 1; i++) {
        // A full reload: the token comes back from sessionStorage, the overview's API calls start from scratch.
        browser.open(base + "/admin/?run=" + i + "#overview");
        double o = ((Number) js.executeAsyncScript(RENDERED, 0,
            List.of("#overview-success table", "#overview-charts svg.chart", "#overview-metrics .cards"))).doubleValue();
        double q = ((Number) js.executeAsyncScript("const t = performance.now(); location.hash = '#queue';"
            + RENDERED.replace("arguments[0]", "t"), 0,
            List.of("#queue-list table, #queue-list .unavailable, #queue-list p"))).doubleValue();
        System.out.printf("run %d: overview %.0f ms, queue %.0f ms%n", i, o, q);
        if (i > 0) { // the first round warms the JIT and Postgres' caches
          overview.add(o);
          queue.add(q);
        }
      }
      System.out.printf("overview rendered (from navigation start): %s%n", summary(overview));
      System.out.printf("queue first page rendered (from switching to it): %s%n", summary(queue));
      browser.screenshot("render-program-overview");
    } finally {
      engine.stop();
    }
  }

  /**
   * Tops the store up to {@code target} conversations over the last 30 days (100,000 customers, every status, one
   * agent answer with a triage route per conversation), through the desk's triggers so the rollups are exact.
   */
  private static void fill(Engine engine, int target) throws Exception {
    if (target <= 0) {
      return;
    }
    long have = engine.pool().query("SELECT count(*) FROM support_conversations").execute()
        .toCompletionStage().toCompletableFuture().get().iterator().next().getLong(0);
    engine.pool().query("INSERT INTO users (id, email, name, language) SELECT 'fill-u' || g, 'u' || g || "
        + "'@example.com', 'Customer ' || g, CASE WHEN g % 3 = 0 THEN 'en' ELSE 'nl' END "
        + "FROM generate_series(1, 100000) g ON CONFLICT DO NOTHING").execute()
        .toCompletionStage().toCompletableFuture().get();
    long t0 = System.nanoTime();
    for (long from = have + 1; from <= target; from += 100_000) {
      long to = Math.min(target, from + 99_999);
      String range = "FROM generate_series(" + from + ", " + to + ") g";
      engine.pool().query("INSERT INTO support_conversations (id, user_id, subject, status, priority, handled_by, "
          + "language, created_at, updated_at, first_response_at) SELECT 'fill-c' || g, 'fill-u' || (g % 100000 + 1), "
          + "'Question ' || g, (ARRAY['open','waiting_support','waiting_customer','escalated','resolved','closed'])"
          + "[g % 6 + 1], (ARRAY['low','normal','high','urgent'])[g % 4 + 1], (ARRAY['ai','human'])[g % 2 + 1], "
          + "CASE WHEN g % 3 = 0 THEN 'en' ELSE 'nl' END, now() - (g % 43200) * interval '1 minute', "
          + "now() - (g % 43200) * interval '1 minute' + interval '3 minutes', "
          + "now() - (g % 43200) * interval '1 minute' + (g % 300) * interval '1 second' " + range).execute()
          .compose(x -> engine.pool().query("INSERT INTO support_messages (conversation_id, sender_type, content, "
              + "metadata, created_at) SELECT 'fill-c' || g, 'agent', 'Answer ' || g, jsonb_build_object('triage', "
              + "jsonb_build_object('action', (ARRAY['auto_respond','suggest_articles','escalate'])[g % 3 + 1])), "
              + "now() - (g % 43200) * interval '1 minute' " + range).execute())
          .toCompletionStage().toCompletableFuture().get();
      System.out.printf("filled up to %,d conversations (%d s)%n", to, (System.nanoTime() - t0) / 1_000_000_000);
    }
    engine.pool().query("ANALYZE").execute().toCompletionStage().toCompletableFuture().get();
  }

  private static String summary(List<Double> ms) {
    List<Double> sorted = new ArrayList<>(ms);
    Collections.sort(sorted);
    return String.format("p50 %.0f ms, max %.0f ms over %d runs %s", sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() - 1), sorted.size(), sorted.contains(-1.0) ? "(some timed out)" : "");
  }
}
