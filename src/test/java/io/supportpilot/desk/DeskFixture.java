package io.supportpilot.desk;

import io.supportpilot.testing.Http;
import io.supportpilot.triage.Triage;
import io.supportpilot.triage.TriageDecision;
import io.supportpilot.triage.TriageQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;

/** Helpers for the desk tests: a movable clock, a triage that escalates on demand, token and HTTP shortcuts. */
final class DeskFixture {

  private DeskFixture() {
  }

  /** "mystery" escalates to a person; anything else gets article suggestions. */
  static final class EscalatingTriage implements Triage {
    @Override
    public Future<TriageDecision> triage(TriageQuery q) {
      String text = ((q.subject() == null ? "" : q.subject()) + " " + q.body()).toLowerCase(Locale.ROOT);
      boolean escalate = text.contains("mystery");
      List<TriageDecision.ArticleMatch> articles = escalate ? List.of() : List.of(new TriageDecision.ArticleMatch(
          "desk-article", "Desk article", "How to reconnect.", "auth", 0.7));
      return Future.succeededFuture(new TriageDecision(escalate ? "escalate" : "suggest_articles",
          escalate ? "human" : "none", "en", 0.2, null, null, null, 0.2, 0.2, 0.85,
          escalate ? "no article is close enough (0.20 < 0.85)" : "some articles are close", articles, List.of(),
          List.of()));
    }
  }

  static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token, "Content-Type", "application/json"};
  }

  /** Creates a named token as the owner and returns the token itself. */
  static String token(int port, String name, String role) {
    HttpResponse<String> r = Http.post(port, "/api/admin/tokens", new JsonObject().put("name", name)
        .put("role", role).encode(), Http.admin());
    if (r.statusCode() != 201) {
      throw new AssertionError("token creation failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body()).getString("token");
  }

  static JsonObject json(HttpResponse<String> r, int status) {
    if (r.statusCode() != status) {
      throw new AssertionError("expected " + status + " but got " + r.statusCode() + ": " + r.body());
    }
    return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
  }
}
