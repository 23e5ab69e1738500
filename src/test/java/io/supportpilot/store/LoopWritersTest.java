package io.supportpilot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.BusCodecs;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.testing.TestDatabase;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LoopWritersTest {

  @Test
  void theSameIdsSentAtOnceThroughTwoEventLoopsAreStoredOnceAndAcknowledgedAsNewOnce() throws Exception {
    // Verifies dedupe across the per-loop writers: two event loops submit the same 150 ids at the same moment (one in
    // order, one reversed, so their inserts can deadlock in Postgres and one must be written again), 15 rounds. Every
    // id is answered "new" by exactly one writer, "duplicate" by the other, and stored exactly once.
    String url = TestDatabase.freshDatabase("LoopWriters");
    Migrations.migrate(url);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    EngineConfig.Pg pg = new EngineConfig.Pg(Optional.of(url), Path.of("data"), 0, 4, 16);
    Database.Dedicated dedicated = Database.Dedicated.of(vertx, url, pg);
    ErrorEventWriter.Settings settings = new ErrorEventWriter.Settings(64, Duration.ofMillis(1), 3, 10_000,
        Duration.ofMillis(100), new AtomicInteger(), new AtomicInteger(), null, Duration.ofSeconds(5));
    List<Pool> pools = List.of(dedicated.create(4, "w0"), dedicated.create(4, "w1"));
    LoopWriters writers = new LoopWriters(vertx, settings, new SimpleMeterRegistry(), pools);
    try {
      BusCodecs.register(vertx.eventBus());
      Context a = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
      Context b = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
      assertNotEquals(threadOf(a), threadOf(b), "two contexts on two event loops");
      int rounds = 15;
      int ids = 150;
      for (int round = 0; round < rounds; round++) {
        List<ErrorEvent> events = new ArrayList<>();
        for (int i = 0; i < ids; i++) {
          events.add(event(UUID.randomUUID().toString()));
        }
        List<ErrorEvent> reversed = new ArrayList<>(events);
        Collections.reverse(reversed);
        Future<boolean[]> fa = submitOn(a, writers, events);
        Future<boolean[]> fb = submitOn(b, writers, reversed);
        boolean[] ra = fa.await(60, TimeUnit.SECONDS);
        boolean[] rb = fb.await(60, TimeUnit.SECONDS);
        for (int i = 0; i < ids; i++) {
          int newCount = (ra[i] ? 1 : 0) + (rb[ids - 1 - i] ? 1 : 0);
          assertEquals(1, newCount, "id " + events.get(i).eventId() + " answered new exactly once (round " + round + ")");
        }
      }
      assertEquals(2, writers.size(), "one direct writer per event loop");
      assertEquals(0, settings.inFlight().get(), "nothing left in flight");
      assertEquals(rounds * ids, TestDatabase.queryLong(url, "SELECT count(*) FROM support_error_log"));
      assertEquals(rounds * ids, TestDatabase.queryLong(url,
          "SELECT count(DISTINCT event_id) FROM support_error_log"));
      writers.stop().await(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static Future<boolean[]> submitOn(Context c, LoopWriters writers, List<ErrorEvent> events) {
    Promise<boolean[]> p = Promise.promise();
    c.runOnContext(v -> {
      ErrorEventWriter w = writers.current();
      if (w == null) {
        p.fail(new AssertionError("an event loop gets a direct writer"));
      } else {
        w.submit(events).onComplete(p);
      }
    });
    return p.future();
  }

  private static Thread threadOf(Context c) throws Exception {
    Promise<Thread> p = Promise.promise();
    c.runOnContext(v -> p.complete(Thread.currentThread()));
    return p.future().await(10, TimeUnit.SECONDS);
  }

  private static ErrorEvent event(String id) {
    return new ErrorEvent("mcp", id, "u1", "c", "tool", "TypeError", "E1", 500, "error", "message", null, "{}",
        "fp", Instant.now(), Instant.now());
  }
}
