package io.supportpilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances on one database: the same stored errors reaching both (a partition moving between instances)
 * fire each rule once, the schedule pass runs on one instance at a time, and it carries on when the instance
 * holding the pass is lost.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RuleInstancesTest {

  static Engine a;
  static Engine b;
  static String url;

  @BeforeAll
  static void start() {
    url = TestDatabase.freshDatabase("RuleInstancesTest");
    Map<String, String> env = TestEngine.env(url);
    env.put("RULES_SCHEDULE_INTERVAL", "1h");
    env.put("RULES_RELOAD_INTERVAL", "100ms");
    env.put("RULES_COUNTER_FLUSH_INTERVAL", "100ms");
    env.put("RULES_RUN_EVENTS_FLUSH_INTERVAL", "100ms");
    env.put("AGENT_ENABLED", "false");
    a = RulesFixture.start(env, Clock.systemUTC());
    b = RulesFixture.start(env, Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    if (b != null) {
      b.stop();
    }
    if (a != null) {
      a.stop();
    }
  }

  static long count(String sql) {
    return TestDatabase.queryLong(url, sql);
  }

  /** The enabled rules an instance evaluates now (its rule book, reloaded every rules.reload-interval). */
  static double loadedRules(Engine e) {
    return e.context().registry().get(RuleEngineVerticle.METER_LOADED).gauge().value();
  }

  @Test
  void oneBugOnBothInstancesFiresOnceAndCountsEveryError() throws Exception {
    // Verifies one firing per trigger across instances: 300 stored errors of one bug, half committed on each
    // instance at the same time (in two batches each), give one run standing for 300 errors and trigger_count 300.
    double loadedBefore = loadedRules(a);
    HttpResponse<String> created = RulesFixture.admin(a.port(), "POST", "/api/admin/rules", new JsonObject()
        .put("name", "Twin").put("trigger_type", "error")
        .put("trigger_condition", new JsonObject().put("error_type", "TwinError"))
        .put("actions", new JsonArray().add(new JsonObject().put("type", "trigger_agent"))).encode());
    assertEquals(201, created.statusCode(), created.body());
    String id = new JsonObject(created.body()).getString("id");
    assertEquals(loadedBefore + 1, loadedRules(a), "instance a reloads its rules before answering the POST");
    Await.until("instance b picks the rule up within its reload interval (100 ms)", Duration.ofSeconds(10),
        () -> loadedRules(b) == loadedBefore + 1);
    List<ErrorEvent> events = new ArrayList<>();
    Instant now = Instant.now();
    for (int i = 0; i < 300; i++) {
      events.add(new ErrorEvent("mcp", "twin-" + i, null, null, "t", "TwinError", null, 500, "error", "m", null, null,
          "fp-twin", now, now));
    }
    CompletableFuture<?> onA = CompletableFuture.runAsync(() -> {
      a.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(events.subList(0, 100)));
      a.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(events.subList(100, 150)));
    });
    CompletableFuture<?> onB = CompletableFuture.runAsync(() -> {
      b.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(events.subList(150, 250)));
      b.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(events.subList(250, 300)));
    });
    CompletableFuture.allOf(onA, onB).get(10, TimeUnit.SECONDS);
    Await.until("the run counts 300 errors", () -> {
      RulesFixture.flush(a);
      RulesFixture.flush(b);
      return count("SELECT COALESCE(sum(events), 0) FROM rule_runs WHERE rule_id = '" + id + "'") == 300;
    });
    // No wait for a late second firing: each of the 300 errors counts in exactly one run (an instance that lost the
    // claim adds its count to the winner's run), and a flush claims what is pending first; so once the runs hold
    // 300, any second run would already be there holding some of them.
    assertEquals(1, count("SELECT count(*) FROM rule_runs WHERE rule_id = '" + id + "'"), "one firing");
    assertEquals(300, count("SELECT events FROM rule_runs WHERE rule_id = '" + id + "'"));
    assertEquals(300, count("SELECT trigger_count FROM automation_rules WHERE id = '" + id + "'"));
  }

  @Test
  void theSchedulePassRunsOnOneInstanceAndSurvivesTheLossOfIt() throws Exception {
    // Verifies the 4-hour rule across instances: concurrent passes on both escalate each stale conversation once;
    // while another session holds the pass's advisory lock nothing runs; once that session dies, a pass runs.
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      values.append(i == 0 ? "" : ", ").append("('stale-").append(i).append("', 'u-stale', 'Stale ").append(i)
          .append("', 'waiting_support', 'human', now() - interval '5 hours')");
    }
    TestDatabase.exec(url, "INSERT INTO support_conversations (id, user_id, subject, status, handled_by, updated_at) "
        + "VALUES " + values);
    CompletableFuture<Integer> passA = CompletableFuture.supplyAsync(() -> RulesFixture.schedulePass(a));
    CompletableFuture<Integer> passB = CompletableFuture.supplyAsync(() -> RulesFixture.schedulePass(b));
    int claimed = passA.get(30, TimeUnit.SECONDS) + passB.get(30, TimeUnit.SECONDS);
    assertEquals(20, claimed + RulesFixture.schedulePass(a) + RulesFixture.schedulePass(b),
        "every stale conversation fired once");
    assertEquals(20, count("SELECT count(*) FROM rule_runs WHERE rule_id = 'default-escalate-4h' "
        + "AND trigger_object->>'id' LIKE 'stale-%'"));
    Await.until("all escalated", () -> count("SELECT count(*) FROM support_conversations WHERE id LIKE 'stale-%' "
        + "AND status = 'escalated'") == 20);

    TestDatabase.exec(url, "INSERT INTO support_conversations (id, user_id, subject, status, handled_by, updated_at) "
        + "VALUES ('late-1', 'u-stale', 'Late', 'waiting_support', 'human', now() - interval '5 hours')");
    Connection holder = TestDatabase.connect(url);
    try (Statement st = holder.createStatement()) {
      holder.setAutoCommit(false);
      st.execute("SELECT pg_advisory_xact_lock(" + ScheduleScan.LOCK_KEY + ")");
      assertEquals(0, RulesFixture.schedulePass(b), "another instance holds the pass");
      assertEquals(0, count("SELECT count(*) FROM rule_runs WHERE trigger_object->>'id' = 'late-1'"));
    } finally {
      holder.close(); // the instance holding the pass is gone: its session and lock with it
    }
    // The server ends the dead session asynchronously: the next ticks of the survivor take over.
    Await.until("a later pass runs on the surviving instance", () -> RulesFixture.schedulePass(b) >= 1);
    assertEquals(1, count("SELECT count(*) FROM rule_runs WHERE trigger_object->>'id' = 'late-1'"));
  }
}
