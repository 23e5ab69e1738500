package io.supportpilot.agent;

import static io.supportpilot.agent.FakeAnthropic.message;
import static io.supportpilot.agent.FakeAnthropic.ok;
import static io.supportpilot.agent.FakeAnthropic.text;
import static io.supportpilot.agent.FakeAnthropic.toolUse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.TicketEvent;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One customer's data never reaches another through the auto-ticket answer shared by every ticket of a fingerprint:
 * two users hit the same error, each message carrying their own connection id and division.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SharedAnswerPrivacyTest {

  record Customer(String user, String email, String connection, String division) {

    List<String> identifiers() {
      return List.of(user, email, connection, division);
    }

    String message() {
      return "Division " + division + " is not reachable for connection " + connection;
    }
  }

  static final Customer ALPHA = new Customer("u-alpha", "alpha@example.nl", "conn-alpha-8812", "4471");
  static final Customer BRAVO = new Customer("u-bravo", "bravo@example.com", "conn-bravo-5530", "9902");
  static final String TYPE = "DivisionUnavailable";

  static FakeAnthropic fake;

  @BeforeAll
  static void startFake() {
    fake = new FakeAnthropic();
  }

  @AfterAll
  static void stopFake() {
    fake.close();
  }

  @Test
  void theSecondCustomersClaudeAnswerAndEveryPromptCarryNoneOfTheFirstCustomersIdentifiers() throws Exception {
    // Verifies that the shared prompt (every turn, tool results included) holds no identifier of either customer,
    // that the model is asked once for both, and that each answer holds only its own customer's facts, even when the
    // model repeats everything it was shown.
    String pg = TestDatabase.freshDatabase("SharedAnswerPrivacyClaude");
    Map<String, String> env = TestEngine.env(pg);
    env.put("ANTHROPIC_API_KEY", FakeAnthropic.KEY);
    env.put("ANTHROPIC_BASE_URL", fake.baseUrl());
    env.put("ANTHROPIC_REQUESTS_PER_SECOND", "100");
    env.put("AGENT_SCAN_INTERVAL", "1h");
    fake.reset();
    fake.then(req -> ok(message("tool_use", toolUse("tu_1", "check_known_issues", new JsonObject()),
        toolUse("tu_2", "search_docs", new JsonObject().put("query", "division not reachable")))));
    // A model that repeats everything it saw: whatever reached a prompt would reach the answer.
    fake.fallback(req -> ok(message("end_turn", text("General answer. Seen: " + req.encode()))));
    Engine engine = AgentTestSupport.start(env, Clock.systemUTC());
    try {
      String[] answers = run(engine, pg);
      assertEquals(2, fake.received().size(), "one shared run (two turns) for both customers");
      for (FakeAnthropic.Received r : fake.received()) {
        String prompt = r.body().encode();
        for (String id : concat(ALPHA.identifiers(), BRAVO.identifiers())) {
          assertFalse(prompt.contains(id), "a shared prompt holds " + id + ": " + prompt);
        }
        assertTrue(prompt.contains(TYPE), "the shared prompt names the error type");
      }
      assertTrue(fake.violations().isEmpty(), fake.violations().toString());
      checkAnswers(answers);
      assertTrue(answers[1].startsWith("General answer."), answers[1]);
    } finally {
      engine.stop();
    }
  }

  @Test
  void theSecondCustomersOfflineAnswerCarriesNoneOfTheFirstCustomersIdentifiers() throws Exception {
    // Verifies the same for the offline agent: the shared article part plus each customer's own facts only.
    String pg = TestDatabase.freshDatabase("SharedAnswerPrivacyOffline");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_SCAN_INTERVAL", "1h");
    Engine engine = AgentTestSupport.start(env, Clock.systemUTC());
    try {
      String[] answers = run(engine, pg);
      checkAnswers(answers);
    } finally {
      engine.stop();
    }
  }

  /** Two auto-tickets of one fingerprint, answered one after the other; returns both answers (alpha, bravo). */
  private static String[] run(Engine engine, String pg) throws Exception {
    engine.capability(AgentCapability.class).useTriage(new AgentTestSupport.ScriptedTriage());
    for (Customer c : List.of(ALPHA, BRAVO)) {
      TestDatabase.exec(pg, "INSERT INTO users (id, email, name, language) VALUES ('" + c.user() + "', '" + c.email()
              + "', '" + c.user() + "', 'en')",
          "INSERT INTO connections (id, user_id, division, status, token_expires_at) VALUES ('" + c.connection()
              + "', '" + c.user() + "', '" + c.division() + "', 'active', now() + interval '20 days')",
          "INSERT INTO support_error_log (event_id, source, user_id, connection_id, error_type, error_code, message, "
              + "context, fingerprint, occurred_at) VALUES ('ev-" + c.user() + "', 'mcp', '" + c.user() + "', '"
              + c.connection() + "', '" + TYPE + "', 'DIVISION_UNAVAILABLE', '" + c.message() + "', '{\"division\": "
              + c.division() + "}', 'fp-division', now() - interval '1 minute')",
          "INSERT INTO support_conversations (id, user_id, subject, status, auto_created, fingerprint, error_type, "
              + "language, occurrence_count, created_at, updated_at) VALUES ('t-" + c.user() + "', '" + c.user()
              + "', '" + TYPE + ": " + c.message() + "', 'open', true, 'fp-division', '" + TYPE + "', 'en', 1, now(), "
              + "now())");
    }
    String[] answers = new String[2];
    int i = 0;
    for (Customer c : List.of(ALPHA, BRAVO)) {
      ErrorEvent sample = new ErrorEvent("mcp", "ev-" + c.user(), c.user(), c.connection(), "get_invoices", TYPE,
          "DIVISION_UNAVAILABLE", 503, "error", c.message(), null, "{\"division\": " + c.division() + "}",
          "fp-division", Instant.now(), Instant.now());
      engine.vertx().eventBus().publish(Addresses.TICKETS_CHANGED, new TicketEvent(TicketEvent.CREATED,
          "t-" + c.user(), c.user(), "fp-division", TYPE, 1, sample));
      answers[i++] = awaitAgentMessage(pg, "t-" + c.user());
    }
    return answers;
  }

  private static void checkAnswers(String[] answers) {
    for (String id : ALPHA.identifiers()) {
      assertFalse(answers[1].contains(id), "the second customer's answer holds " + id + ": " + answers[1]);
    }
    for (String id : BRAVO.identifiers()) {
      assertFalse(answers[0].contains(id), "the first customer's answer holds " + id + ": " + answers[0]);
    }
    assertTrue(answers[0].contains(ALPHA.connection()), "own facts are added per customer: " + answers[0]);
    assertTrue(answers[1].contains(BRAVO.connection()), "own facts are added per customer: " + answers[1]);
  }

  private static String awaitAgentMessage(String pg, String conversation) {
    String[] row = Await.value("the agent's answer on " + conversation, Duration.ofSeconds(30), () -> {
      try (Connection c = TestDatabase.connect(pg); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT content, metadata::text FROM support_messages WHERE conversation_id = '"
              + conversation + "' AND sender_type = 'agent'")) {
        return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
      }
    }, r -> r != null);
    assertTrue(new JsonObject(row[1]).getBoolean("shared_answer", false), row[1]);
    return row[0];
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
