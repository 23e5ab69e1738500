package io.supportpilot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.BusCodecs;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.WriteRequest;
import io.supportpilot.bus.WriteResult;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.testing.TestDatabase;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ErrorEventWriterFaultTest {

  @Test
  void onlyConnectionAndAvailabilityFailuresCountAsStoreDown() {
    // Verifies the classification: refused or lost connections, time-outs and Postgres' own availability states mean
    // "store down"; data errors and plain engine faults (bugs) do not.
    assertTrue(ErrorEventWriter.isStoreDown(new ConnectException("Connection refused")));
    assertTrue(ErrorEventWriter.isStoreDown(ClosedConnectionException.INSTANCE));
    assertTrue(ErrorEventWriter.isStoreDown(new TimeoutException("Timeout 1000 (ms) fired")));
    assertTrue(ErrorEventWriter.isStoreDown(new PgException("terminating connection", "FATAL", "57P01", null)));
    assertTrue(ErrorEventWriter.isStoreDown(new RuntimeException("wrapped", new ConnectException("refused"))));
    assertFalse(ErrorEventWriter.isStoreDown(new PgException("duplicate", "ERROR", "23505", null)));
    assertFalse(ErrorEventWriter.isStoreDown(new NullPointerException()));
    assertFalse(ErrorEventWriter.isStoreDown(new IllegalArgumentException("bad value")));
    assertFalse(ErrorEventWriter.isStoreDown(new ClassCastException()));
  }

  @Test
  void anEngineFaultFailsOnlyItsBatchAndTheStoreStaysUp() throws Exception {
    // Verifies that a bug while writing (here: the ticket lookup throws for one user) fails that request with the
    // FAILED code at once, the writer does not switch to 503-and-probe mode, and the next request is stored.
    String url = TestDatabase.freshDatabase("WriterFault");
    Migrations.migrate(url);
    Vertx vertx = Vertx.vertx();
    Pool pool = Database.pool(vertx, url, new EngineConfig.Pg(Optional.of(url), Path.of("data"), 0, 4, 16));
    AtomicInteger down = new AtomicInteger();
    ErrorEventWriter.Settings settings = new ErrorEventWriter.Settings(64, Duration.ofMillis(1), 1, 1000,
        Duration.ofMillis(100), new AtomicInteger(), down, e -> {
          if ("boom".equals(e.userId())) {
            throw new IllegalStateException("a bug in the ticket lookup");
          }
          return null;
        }, Duration.ofSeconds(1));
    try {
      BusCodecs.register(vertx.eventBus());
      vertx.deployVerticle(() -> new ErrorEventWriter(pool, settings, new SimpleMeterRegistry()),
          new DeploymentOptions().setInstances(1)).await(30, TimeUnit.SECONDS);
      DeliveryOptions opts = new DeliveryOptions().setSendTimeout(20_000);
      try {
        vertx.eventBus().<WriteResult>request(Addresses.ERRORS_WRITE, new WriteRequest(List.of(event("boom"))), opts)
            .await(30, TimeUnit.SECONDS);
        throw new AssertionError("the faulty request must fail");
      } catch (ReplyException e) {
        assertEquals(ErrorEventWriter.FAILED, e.failureCode(), e.getMessage());
      }
      assertEquals(0, down.get(), "the store is not marked down by an engine fault");
      ErrorEvent ok = event("fine");
      Message<WriteResult> r = vertx.eventBus().<WriteResult>request(Addresses.ERRORS_WRITE,
          new WriteRequest(List.of(ok)), opts).await(30, TimeUnit.SECONDS);
      assertEquals(1, r.body().insertedCount());
      assertEquals(1, TestDatabase.queryLong(url, "SELECT count(*) FROM support_error_log WHERE event_id = '"
          + ok.eventId() + "'"));
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static ErrorEvent event(String user) {
    return new ErrorEvent("mcp", UUID.randomUUID().toString(), user, "c", "tool", "TypeError", "E1", 500, "error",
        "message", null, "{}", "fp-" + user, Instant.now(), Instant.now());
  }
}
