package io.supportpilot.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.TicketEvent;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.supportpilot.triage.Triage;
import io.supportpilot.triage.TriageDecision;
import io.supportpilot.triage.TriageQuery;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An auto-ticket storm costs one triage per distinct error, not one per ticket; the agent works on a bounded
 * number of conversations at once, and a full queue defers tickets to the periodic scan instead of dropping them:
 * every ticket is still answered, once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AgentBackpressureTest {

  /** The scripted triage, answering after a short timer, counting calls and the most running at once. */
  static final class CountingTriage implements Triage {
    final Vertx vertx;
    final Triage inner = new AgentTestSupport.ScriptedTriage();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final List<String> subjects = Collections.synchronizedList(new ArrayList<>());

    CountingTriage(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public Future<TriageDecision> triage(TriageQuery q) {
      calls.incrementAndGet();
      subjects.add(q.subject());
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      Promise<TriageDecision> p = Promise.promise();
      vertx.setTimer(40, t -> {
        inFlight.decrementAndGet();
        inner.triage(q).onComplete(p);
      });
      return p.future();
    }
  }

  @Test
  void ticketsOfOneErrorShareOneTriageAndTheAgentRunsAtMostItsLimitAtOnce() throws Exception {
    // Six error types, five users each, plus five users of a second fingerprint of type 0 that differs only in its
    // stack (same masked message): 35 tickets, 6 distinct questions. Every ticket is answered once, triage runs
    // six times, never more than agent.max-concurrent-runs (2) at once.
    String pg = TestDatabase.freshDatabase("AgentBackpressureShare");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_SCAN_INTERVAL", "1h");
    env.put("AGENT_MAX_CONCURRENT_RUNS", "2");
    Engine engine = AgentTestSupport.start(env, Clock.systemUTC());
    try {
      CountingTriage triage = new CountingTriage(engine.vertx());
      engine.capability(AgentCapability.class).useTriage(triage);
      List<TicketEvent> events = new ArrayList<>();
      for (int type = 0; type < 6; type++) {
        for (int u = 0; u < 5; u++) {
          events.add(ticket(pg, "share", type, "fp-" + type, u));
        }
      }
      for (int u = 5; u < 10; u++) {
        events.add(ticket(pg, "share", 0, "fp-0-other-stack", u));
      }
      events.forEach(e -> engine.vertx().eventBus().publish(Addresses.TICKETS_CHANGED, e));
      awaitAllAnswered(pg, "share", events.size());
      assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM (SELECT conversation_id FROM support_messages "
          + "WHERE conversation_id LIKE 'share-%' AND sender_type = 'agent' GROUP BY conversation_id "
          + "HAVING count(*) > 1) d"), "no ticket answered twice");
      assertEquals(6, triage.calls.get(), "one triage per distinct error: " + triage.subjects);
      assertTrue(triage.maxInFlight.get() <= 2, "at most two conversations worked on at once, saw "
          + triage.maxInFlight.get());
      assertEquals(6.0, engine.context().registry().get(SupportAgentVerticle.METRIC_SHARED_TRIAGES).counter().count());
    } finally {
      engine.stop();
    }
  }

  @Test
  void aFullQueueDefersTicketsAndThePeriodicScanAnswersEveryOneOfThemOnce() throws Exception {
    // A queue of three and one run at once against 25 tickets of one error published together: most are
    // deferred (counted), none is lost: the scan answers them, each once, and the storm costs one triage.
    String pg = TestDatabase.freshDatabase("AgentBackpressureDefer");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_SCAN_INTERVAL", "300ms");
    env.put("AGENT_RETRY_AFTER", "100ms");
    env.put("AGENT_MAX_CONCURRENT_RUNS", "1");
    env.put("AGENT_MAX_QUEUED", "3");
    Engine engine = AgentTestSupport.start(env, Clock.systemUTC());
    try {
      CountingTriage triage = new CountingTriage(engine.vertx());
      engine.capability(AgentCapability.class).useTriage(triage);
      List<TicketEvent> events = new ArrayList<>();
      for (int u = 0; u < 25; u++) {
        events.add(ticket(pg, "defer", 1, "fp-defer", u));
      }
      events.forEach(e -> engine.vertx().eventBus().publish(Addresses.TICKETS_CHANGED, e));
      awaitAllAnswered(pg, "defer", events.size());
      double deferred = engine.context().registry().get(SupportAgentVerticle.METRIC_DEFERRED).counter().count();
      assertTrue(deferred >= 20, "most of the burst was deferred, counted " + deferred);
      assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM (SELECT conversation_id FROM support_messages "
          + "WHERE conversation_id LIKE 'defer-%' AND sender_type = 'agent' GROUP BY conversation_id "
          + "HAVING count(*) > 1) d"), "no ticket answered twice");
      assertEquals(1, triage.calls.get(), "one triage for the whole storm");
    } finally {
      engine.stop();
    }
  }

  /** Stores an auto-ticket of error type {@code type} for user {@code u} and returns its CREATED event. */
  private static TicketEvent ticket(String pg, String prefix, int type, String fingerprint, int u) {
    String user = prefix + "-user-" + type + "-" + u;
    String id = prefix + "-" + fingerprint + "-" + u;
    String errorType = "StormError" + (char) ('A' + type);
    String message = "Request " + (1000 + u) + " failed for division " + (7000 + u);
    AgentTestSupport.user(pg, user, user + "@example.com", "en", "conn-" + user, 20);
    TestDatabase.exec(pg, "INSERT INTO support_conversations (id, user_id, subject, status, auto_created, fingerprint, "
        + "error_type, language, occurrence_count, created_at, updated_at) VALUES ('" + id + "', '" + user + "', '"
        + errorType + ": " + message + "', 'open', true, '" + fingerprint + "', '" + errorType + "', 'en', 1, now(), "
        + "now())");
    ErrorEvent sample = new ErrorEvent("mcp", "ev-" + id, user, "conn-" + user, "get_invoices", errorType, "E" + type,
        502, "error", message, null, "{}", fingerprint, Instant.now(), Instant.now());
    return new TicketEvent(TicketEvent.CREATED, id, user, fingerprint, errorType, 1, sample);
  }

  private static void awaitAllAnswered(String pg, String prefix, int expected) {
    Await.value("all " + expected + " " + prefix + " auto-tickets answered (value: how many are)",
        Duration.ofSeconds(90), () -> TestDatabase.queryLong(pg, "SELECT count(DISTINCT conversation_id) FROM "
            + "support_messages WHERE conversation_id LIKE '" + prefix + "-%' AND sender_type = 'agent'"),
        answered -> answered == expected);
  }
}
