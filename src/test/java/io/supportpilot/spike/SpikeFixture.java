package io.supportpilot.spike;

import io.supportpilot.Engine;
import io.supportpilot.bus.ActiveSpikes;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.Secrets;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Shared steps of the spike tests: start an engine on a controllable clock, store and publish errors, tick. */
final class SpikeFixture {

  private SpikeFixture() {
  }

  /** Starts an engine with the given environment and clock. */
  static Engine start(Map<String, String> env, MovableClock clock) {
    return Engine.start(ConfigLoader.load(env), Secrets.from(env), clock);
  }

  /** Errors of one type (fingerprint {@code fp-<type>-<variant>}) stored at {@code at}. */
  static List<ErrorEvent> errors(String type, int n, Instant at, int variants) {
    List<ErrorEvent> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new ErrorEvent("mcp", UUID.randomUUID().toString(), "user-" + (i % 7), "conn-1", "get_invoices", type,
          "E" + (i % 3), 500, "error", "Request failed #" + i, "at Foo.bar(Foo.java:" + i + ")", "{}",
          "fp-" + type + "-" + (i % variants), at, at));
    }
    return out;
  }

  /** Inserts errors into support_error_log with their received time as created_at, as ingestion would. */
  static void insert(String pgUrl, List<ErrorEvent> events) {
    try (Connection c = TestDatabase.connect(pgUrl); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO support_error_log (event_id, source, user_id, connection_id, tool, error_type, error_code, "
            + "status_code, level, message, stack, fingerprint, occurred_at, created_at) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (ErrorEvent e : events) {
        ps.setString(1, e.eventId());
        ps.setString(2, e.source());
        ps.setString(3, e.userId());
        ps.setString(4, e.connectionId());
        ps.setString(5, e.tool());
        ps.setString(6, e.errorType());
        ps.setString(7, e.errorCode());
        ps.setInt(8, e.statusCode());
        ps.setString(9, e.level());
        ps.setString(10, e.message());
        ps.setString(11, e.stack());
        ps.setString(12, e.fingerprint());
        ps.setTimestamp(13, Timestamp.from(e.occurredAt()));
        ps.setTimestamp(14, Timestamp.from(e.receivedAt()));
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stores errors and publishes them as ingestion does after its commit; waits until the detector has them. */
  static List<ErrorEvent> storeAndPublish(Engine engine, String pgUrl, String type, int n, Instant at) {
    List<ErrorEvent> events = errors(type, n, at, 3);
    insert(pgUrl, events);
    engine.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(events));
    tick(engine);
    return events;
  }

  /** Publishes errors without storing them (no samples): for counting only. */
  static void publish(Engine engine, String type, int n, Instant at) {
    engine.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(errors(type, n, at, 3)));
  }

  /** Rotates the windows to the clock and re-evaluates open spikes; returns once done. */
  static JsonObject tick(Engine engine) {
    try {
      return engine.vertx().eventBus().<JsonObject>request(Addresses.SPIKES_TICK, null)
          .await(10, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The engine's open spikes, as the spike capability offers them to other capabilities. */
  static ActiveSpikes activeSpikes(Engine engine) {
    return engine.capability(SpikesCapability.class).activeSpikes().orElseThrow();
  }

  /** The live counters of a type through the admin API. */
  static JsonObject counters(Engine engine, String type) {
    HttpResponse<String> r = Http.get(engine.port(), "/api/admin/spikes/counters?error_type=" + type, Http.admin());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** A count from SQL. */
  static long count(String pgUrl, String sql) {
    return TestDatabase.queryLong(pgUrl, sql);
  }
}
