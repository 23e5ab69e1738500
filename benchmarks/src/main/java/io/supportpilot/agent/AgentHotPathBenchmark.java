package io.supportpilot.agent;

import io.supportpilot.bench.BenchmarkBase;
import io.supportpilot.triage.TriageDecision;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The support agent's per-message CPU work outside the store and the model: detecting a request for a person,
 * parsing and checking a Messages API reply with tool use, and composing an offline answer from an article and
 * account facts. (It lives in the agent's package to reach its package-private parts.)
 */
@State(Scope.Benchmark)
public class AgentHotPathBenchmark extends BenchmarkBase {

  private Buffer reply;
  private TriageDecision decision;
  private JsonObject status;
  private JsonObject errors;

  @Setup
  public void setup() {
    reply = new JsonObject().put("id", "msg_1").put("type", "message").put("role", "assistant").put("model", "m")
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "Let me check."))
            .add(new JsonObject().put("type", "tool_use").put("id", "toolu_1").put("name", "get_customer_status")
                .put("input", new JsonObject()))
            .add(new JsonObject().put("type", "tool_use").put("id", "toolu_2").put("name", "search_docs")
                .put("input", new JsonObject().put("query", "token verlopen"))))
        .put("stop_reason", "tool_use").put("usage", new JsonObject().put("input_tokens", 1200)
            .put("output_tokens", 80)).toBuffer();
    decision = new TriageDecision("auto_respond", "none", "nl", 0.9, 1.0, null, null, 0.9, 0.9, 0.85, "bench",
        List.of(new TriageDecision.ArticleMatch("token-verlopen", "Je Exact Online-token is verlopen",
            "Een koppeling met Exact Online moet elke 30 dagen opnieuw worden geautoriseerd. ".repeat(10), "auth",
            0.93)), List.of(), List.of());
    status = new JsonObject().put("connections", new JsonArray().add(new JsonObject().put("connection_id", "c-1")
        .put("division", "1234").put("status", "expired").put("token_expires_at", "2026-11-20T10:00:00Z")
        .put("days_until_token_expiry", -5.0)));
    errors = new JsonObject().put("errors", new JsonArray().add(new JsonObject()
        .put("occurred_at", "2026-11-24T10:00:00Z").put("error_type", "AuthError").put("error_code", "TOKEN_EXPIRED")
        .put("tool", "get_invoices")));
  }

  /** Request-for-a-person detection on a typical Dutch customer message. */
  @Benchmark
  public boolean wantsHuman() {
    return CustomerReplies.wantsHuman("Ik krijg steeds een foutmelding bij het ophalen van mijn facturen uit Exact Online, "
        + "sinds gisteren werkt de koppeling niet meer en ik weet niet wat ik moet doen");
  }

  /** Parsing and checking one Messages API reply with two tool_use blocks. */
  @Benchmark
  public Object parseReply() {
    return ReplyReader.parse(reply);
  }

  /** Composing the offline answer (article part, account facts, footer). */
  @Benchmark
  public String composeOffline() {
    String article = "Dit helpt bij jouw vraag: " + decision.articles().get(0).title() + "\n\n"
        + decision.articles().get(0).content();
    return OfflineAgent.compose(article, OfflineAgent.facts(status, errors, "nl"), "nl");
  }
}
