package io.supportpilot.agent;

import io.supportpilot.Engine;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.Secrets;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.triage.Triage;
import io.supportpilot.triage.TriageDecision;
import io.supportpilot.triage.TriageQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** Shared test set-up for the agent: a movable clock, a deterministic triage, users and polling. */
final class AgentTestSupport {

  private AgentTestSupport() {
  }

  static Engine start(Map<String, String> env, Clock clock) {
    return Engine.start(ConfigLoader.load(env), Secrets.from(env), clock);
  }

  /**
   * A deterministic triage for tests: "devops" in the question escalates to DevOps, "vague" suggests articles,
   * "mystery" escalates to a human, anything else auto-responds with the token-expiry article in the question's
   * language.
   */
  static final class ScriptedTriage implements Triage {
    @Override
    public Future<TriageDecision> triage(TriageQuery q) {
      String text = ((q.subject() == null ? "" : q.subject()) + " " + q.body()).toLowerCase(Locale.ROOT);
      boolean nl = !"en".equals(q.language());
      TriageDecision.ArticleMatch token = new TriageDecision.ArticleMatch("token-verlopen",
          nl ? "Je Exact Online-token is verlopen" : "Your Exact Online token has expired",
          nl ? "Een koppeling met Exact Online moet elke 30 dagen opnieuw worden geautoriseerd. Ga naar het portaal "
              + "en klik op Opnieuw verbinden." : "An Exact Online connection must be authorised again every 30 "
              + "days. Go to the portal and click Reconnect.", "auth", 0.93);
      TriageDecision.ArticleMatch export = new TriageDecision.ArticleMatch("facturen-exporteren",
          nl ? "Facturen exporteren" : "Exporting invoices", nl ? "Zo exporteer je facturen." : "How to export.",
          "usage", 0.7);
      String action;
      String escalation = "none";
      List<TriageDecision.ArticleMatch> articles = List.of(token, export);
      if (text.contains("devops")) {
        action = "escalate";
        escalation = "devops";
      } else if (text.contains("vague")) {
        action = "suggest_articles";
      } else if (text.contains("mystery")) {
        action = "escalate";
        escalation = "human";
        articles = List.of();
      } else {
        action = "auto_respond";
      }
      return Future.succeededFuture(new TriageDecision(action, escalation, nl ? "nl" : "en", 0.9, 1.0, null, null,
          0.9, 0.9, 0.85, "scripted", articles, List.of(), List.of()));
    }
  }

  /** A user with one connection whose token expires in {@code days} days. */
  static void user(String pgUrl, String id, String email, String lang, String connection, int days) {
    TestDatabase.exec(pgUrl, "INSERT INTO users (id, email, name, language) VALUES ('" + id + "', '" + email
        + "', '" + id + "', '" + lang + "') ON CONFLICT DO NOTHING",
        "INSERT INTO connections (id, user_id, division, status, token_expires_at) VALUES ('" + connection + "', '"
            + id + "', '1234', '" + (days < 0 ? "expired" : "active") + "', now() + interval '" + days
            + " days') ON CONFLICT DO NOTHING");
  }

  static JsonObject create(int port, String userId, String message) {
    HttpResponse<String> r = Http.post(port, "/api/support/conversations",
        new JsonObject().put("user_id", userId).put("message", message).encode(), Http.portal());
    if (r.statusCode() != 201) {
      throw new AssertionError("create failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  static JsonObject read(int port, String id, String userId) {
    HttpResponse<String> r = Http.get(port, "/api/support/conversations/" + id + "?user_id=" + userId, Http.portal());
    if (r.statusCode() != 200) {
      throw new AssertionError("read failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** Reads the conversation until the predicate holds (or fails after 20 s, showing the last state read). */
  static JsonObject awaitConversation(int port, String id, String userId, Predicate<JsonObject> done) {
    return Await.value("conversation " + id + " to reach the expected state", Duration.ofSeconds(20),
        () -> read(port, id, userId), done);
  }

  static int agentMessages(JsonObject c) {
    int n = 0;
    for (Object m : c.getJsonArray("messages")) {
      if ("agent".equals(((JsonObject) m).getString("sender_type"))) {
        n++;
      }
    }
    return n;
  }

  static JsonObject lastMessage(JsonObject c) {
    JsonArray ms = c.getJsonArray("messages");
    return ms.getJsonObject(ms.size() - 1);
  }
}
