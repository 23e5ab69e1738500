package io.supportpilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.supportpilot.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scaled mode on a real KRaft broker: errors ingested on one instance are processed by the instances owning their
 * partitions, error rules fire there (both instances fire some), and every error fires the rule exactly once.
 * Also: with auto-tickets off, the 5xx rule's create_ticket opens the ticket itself.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RulesScaledModeTest {

  static TestKafka cluster;

  @BeforeAll
  static void startBroker() {
    cluster = TestKafka.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  static double fired(Engine e) {
    Counter c = e.context().registry().find(RuleEngineVerticle.METER_FIRED).tag("trigger_type", "error").counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void errorRulesFireWhereThePartitionIsProcessedOncePerError() throws Exception {
    // Verifies that with two processing instances each error fires the rule once, on the instance that processed
    // its partition (both instances fire) once per bug, and the rule's trigger_count is exact.
    String db = TestDatabase.freshDatabase("RulesScaled");
    Map<String, String> env = TestEngine.env(db);
    env.put("KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
    env.put("KAFKA_TOPIC", "rules-errors");
    env.put("KAFKA_PARTITIONS", "6");
    env.put("KAFKA_GROUP_ID", "rules-processors");
    env.put("RULES_RELOAD_INTERVAL", "100ms");
    env.put("RULES_COUNTER_FLUSH_INTERVAL", "100ms");
    env.put("RULES_RUN_EVENTS_FLUSH_INTERVAL", "100ms");
    env.put("TICKETS_ENABLED", "false");
    env.put("AGENT_ENABLED", "false");
    Clock clock = Clock.systemUTC();
    Engine a = RulesFixture.start(env, clock);
    List<PartitionsAssigned> assignedA = new CopyOnWriteArrayList<>();
    a.vertx().eventBus().<PartitionsAssigned>consumer(Addresses.PARTITIONS_ASSIGNED, m -> assignedA.add(m.body()));
    Engine b = null;
    try {
      HttpResponse<String> created = RulesFixture.admin(a.port(), "POST", "/api/admin/rules", new JsonObject()
          .put("name", "Scaled").put("trigger_type", "error")
          .put("trigger_condition", new JsonObject().put("tool", "scaled_tool"))
          .put("actions", new JsonArray().add(new JsonObject().put("type", "trigger_agent"))).encode());
      assertEquals(201, created.statusCode(), created.body());
      String id = new JsonObject(created.body()).getString("id");
      b = RulesFixture.start(env, clock);
      Engine bb = b;
      // b joining the group makes a give up some partitions: a's new, smaller assignment marks the rebalance done.
      Await.until("the partitions are split between a and b",
          () -> assignedA.stream().anyMatch(p -> !p.partitions().isEmpty() && p.partitions().size() < 6));
      // The errors are keyed by type; these nine hash (murmur2, as Kafka's partitioner) to all six partitions, so
      // whichever partitions b takes over it has errors to fire on (the eight before left partition 5 empty).
      String[] types = {"ExactApiError", "TokenExpiredError", "ValidationError", "TimeoutError", "RateLimitError",
          "DivisionNotFound", "NetworkError", "ParseError", "QuotaError"};
      Set<Integer> keyed = new HashSet<>();
      for (String t : types) {
        keyed.add(Utils.toPositive(Utils.murmur2(t.getBytes(StandardCharsets.UTF_8))) % 6);
      }
      assertEquals(6, keyed.size(), "the error types are keys of every partition");
      RulesFixture.awayFromErrorWindowEnd(clock);
      for (int i = 0; i < 160; i++) {
        JsonObject e = new JsonObject().put("event_id", "scaled-" + i).put("tool", "scaled_tool")
            .put("error_type", types[i % types.length]).put("status_code", 400).put("message", "m " + i)
            .put("occurred_at", clock.instant().toString());
        HttpResponse<String> r = RulesFixture.mcp(a.port(), "/api/webhooks/mcp-error", e.encode(), "application/json");
        assertEquals(202, r.statusCode(), r.body());
      }
      Await.until("the runs count 160 errors", () -> {
        RulesFixture.flush(a);
        RulesFixture.flush(bb);
        return TestDatabase.queryLong(db, "SELECT COALESCE(sum(events), 0) FROM rule_runs WHERE rule_id = '" + id
            + "'") == 160;
      });
      RulesFixture.flush(a);
      RulesFixture.flush(bb);
      assertEquals(160, TestDatabase.queryLong(db, "SELECT trigger_count FROM automation_rules WHERE id = '" + id
          + "'"));
      long bugs = TestDatabase.queryLong(db, "SELECT count(DISTINCT fingerprint) FROM support_error_log "
          + "WHERE tool = 'scaled_tool'");
      assertEquals(bugs, TestDatabase.queryLong(db, "SELECT count(*) FROM rule_runs WHERE rule_id = '" + id + "'"),
          "one firing per bug (fingerprint) in the window");
      assertEquals((double) bugs, fired(a) + fired(bb), "each bug fired once, on one instance");
      assertTrue(fired(a) > 0 && fired(bb) > 0, "both instances processed partitions and fired: a=" + fired(a)
          + " b=" + fired(bb));

      // With auto-tickets off, the 5xx rule opens the ticket itself (priority high, category bug), once.
      JsonObject five = new JsonObject().put("event_id", "scaled-5xx").put("user_id", "u-scaled")
          .put("tool", "get_invoices").put("error_type", "ExactGatewayError").put("status_code", 503)
          .put("message", "Exact Online unavailable").put("occurred_at", clock.instant().toString());
      assertEquals(202, RulesFixture.mcp(a.port(), "/api/webhooks/mcp-error", five.encode(), "application/json")
          .statusCode());
      Await.until("the rule's ticket",
          () -> TestDatabase.queryLong(db, "SELECT count(*) FROM support_conversations WHERE user_id = "
          + "'u-scaled' AND priority = 'high' AND category = 'bug' AND auto_created") == 1);
      Await.until("the error is linked to it",
          () -> TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE event_id = "
          + "'scaled-5xx' AND ticket_id IS NOT NULL") == 1);
      assertEquals(1, TestDatabase.queryLong(db, "SELECT count(*) FROM support_messages m JOIN support_conversations c "
          + "ON c.id = m.conversation_id WHERE c.user_id = 'u-scaled' AND m.metadata->>'kind' = 'rule_ticket_created'"));
    } finally {
      if (b != null) {
        b.stop();
      }
      a.stop();
    }
  }
}
