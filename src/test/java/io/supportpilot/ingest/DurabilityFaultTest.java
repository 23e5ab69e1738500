package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.config.StartupRefused;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault suite: each test runs an engine with its OWN embedded Postgres (a temp data folder, no PG_URL), breaks
 * it, and checks that every acknowledged (202) event id is in the store exactly once afterwards.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DurabilityFaultTest {

  private static Map<String, String> embeddedEnv(Path dataDir) {
    Map<String, String> env = TestEngine.env("unused");
    env.remove("PG_URL");
    env.put("DATA_DIR", dataDir.toString());
    env.put("INGEST_STORE_PROBE_INTERVAL", "200ms");
    env.put("TICKETS_ENABLED", "false");
    return env;
  }

  @Test
  void postgresKilledWithSigkillIsRestartedBySupervisorAndNoAcknowledgedEventIsLost() throws Exception {
    // Verifies full durability settings on the embedded server, then kill -9 of its postmaster under load: the
    // supervisor starts it again, ingestion recovers by itself, liveness stays up, every 202 is stored exactly once
    // and a retry of every 503 stores nothing twice.
    Path dir = Files.createTempDirectory("fault-kill");
    Engine e = TestEngine.start(embeddedEnv(dir));
    Sender sender = new Sender(e.port(), "kill");
    try {
      assertEquals("on", show(e.pool(), "fsync"));
      assertEquals("on", show(e.pool(), "synchronous_commit"));
      assertEquals("on", show(e.pool(), "full_page_writes"));
      sender.start();
      sender.awaitAcked(300, 60_000);
      long before = postmasterPid(dir);
      ProcessHandle.of(before).orElseThrow().destroyForcibly();
      int ackedAtKill = sender.acked.size();
      Await.until("a new postmaster and 300 more events acknowledged", Duration.ofSeconds(60),
          () -> postmasterPidOr(dir, before) != before && sender.acked.size() >= ackedAtKill + 300,
          () -> "acknowledged " + sender.acked.size() + " (" + ackedAtKill + " at the kill)");
      long after = postmasterPid(dir);
      assertNotEquals(before, after, "the supervisor started a new postmaster");
      assertTrue(ProcessHandle.of(after).map(ProcessHandle::isAlive).orElse(false), "the new postmaster runs");
      assertTrue(sender.acked.size() >= ackedAtKill + 300, "ingestion recovered: " + sender.acked.size());
      assertEquals(200, Http.get(e.port(), "/health/live").statusCode());
      assertEquals(200, Http.get(e.port(), "/health").statusCode());
      sender.stop();
      retryRefused(e.port(), sender);
      assertStoredExactlyOnce(e.pool(), sender.acked);
    } finally {
      sender.stop();
      e.stop();
      TestDatabase.deleteTree(dir);
    }
  }

  @Test
  void frozenPostgresIsAnswered503FastAndRecoversAfterSigcont() throws Exception {
    // Verifies that with every Postgres process stopped (SIGSTOP) a request gets 503 with Retry-After within a few
    // seconds (not the 30 s bus timeout), later ones at once; after SIGCONT ingestion recovers, every 202 is stored
    // exactly once, and re-sending every 503'd id (some may have committed late) never creates a second row.
    Path dir = Files.createTempDirectory("fault-freeze");
    Engine e = TestEngine.start(embeddedEnv(dir));
    Sender sender = new Sender(e.port(), "freeze");
    List<Long> frozen = List.of();
    try {
      sender.start();
      sender.awaitAcked(300, 60_000);
      frozen = postgresProcesses(dir);
      signal("STOP", frozen);
      long t0 = System.nanoTime();
      String id = UUID.randomUUID().toString();
      HttpResponse<String> r = Webhooks.mcp(e.port(), Webhooks.mcpError(id, "u-frozen", "frozen").encode());
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("Retry-After").isPresent(), "Retry-After on 503");
      assertTrue(waitedMs < 5_000, "503 within a few seconds, not the bus timeout: " + waitedMs + " ms");
      sender.refused.add(id);
      long t1 = System.nanoTime();
      HttpResponse<String> next = Webhooks.mcp(e.port(), Webhooks.mcpError(UUID.randomUUID().toString(), "u-frozen",
          "frozen again").encode());
      assertEquals(503, next.statusCode(), next.body());
      assertTrue((System.nanoTime() - t1) / 1_000_000 < 1_000, "while the store is known down, 503 at once");
      assertEquals(503, Http.get(e.port(), "/health").statusCode());
      // Frozen until the background sender has been refused too (its requests in flight at the freeze included),
      // not for a fixed time: those refused ids are re-sent below and must not be stored twice.
      int refusedBefore = sender.refused.size();
      Await.until("the background sender refused while Postgres is frozen", Duration.ofSeconds(30),
          () -> sender.refused.size() >= refusedBefore + 10);
      signal("CONT", frozen);
      frozen = List.of();
      int ackedAtThaw = sender.acked.size();
      Await.value("ingestion recovered: 300 more events acknowledged", Duration.ofSeconds(60), sender.acked::size,
          n -> n >= ackedAtThaw + 300);
      sender.stop();
      assertTrue(sender.refused.size() >= 1, "some requests were refused while frozen");
      retryRefused(e.port(), sender);
      assertStoredExactlyOnce(e.pool(), sender.acked);
    } finally {
      signal("CONT", frozen);
      sender.stop();
      e.stop();
      TestDatabase.deleteTree(dir);
    }
  }

  /**
   * Whether the process has exited: the postmaster may take a moment after it released its data
   * folder, and once exited it counts as gone even while it waits as a zombie for whoever adopted it to reap it.
   */
  static boolean exited(long pid) {
    return !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) || isZombie(pid);
  }

  private static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Test
  void aKilledEngineStartsAgainOnItsDataFolderAtTheFirstAttempt() throws Exception {
    // Verifies that after kill -9 of an engine process its orphaned postmaster is stopped by the next engine, which
    // starts at the first attempt on the same data folder with every acknowledged event in its store exactly once;
    // and that a further engine on that folder exits with one sentence and no stack trace.
    Path dir = Files.createTempDirectory("fault-engine");
    Path logs = Files.createTempDirectory("fault-engine-logs");
    Process first = null;
    Process second = null;
    Process third = null;
    long orphan = -1;
    try {
      int port = freePort();
      first = startChild(dir, port, logs.resolve("first.log"));
      awaitLive(first, port, logs.resolve("first.log"));
      Sender sender = new Sender(port, "engine");
      sender.start();
      sender.awaitAcked(300, 60_000);
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      sender.stop();
      orphan = postmasterPid(dir);
      assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false),
          "the killed engine left its postmaster running (the case under test)");

      int port2 = freePort();
      second = startChild(dir, port2, logs.resolve("second.log"));
      awaitLive(second, port2, logs.resolve("second.log"));
      long orphanPid = orphan;
      Await.until("the orphan was stopped", Duration.ofSeconds(15), () -> exited(orphanPid));
      String id = UUID.randomUUID().toString();
      assertEquals(202, Webhooks.mcp(port2, Webhooks.mcpError(id, "u-after", "after restart").encode()).statusCode());
      sender.acked.add(id);
      assertStoredExactlyOnce(postmasterPort(dir), sender.acked);

      // A third engine on the same folder while the second runs: one sentence, no stack trace, exit code 1.
      Path thirdLog = logs.resolve("third.log");
      third = startChild(dir, freePort(), thirdLog);
      assertTrue(third.waitFor(120, TimeUnit.SECONDS), "the third engine stops by itself");
      String said = Files.readString(thirdLog);
      assertEquals(1, third.exitValue(), said);
      assertTrue(said.contains("is in use by another running supportpilot engine"), said);
      assertFalse(said.contains("\tat "), "no stack trace: " + said);
      assertEquals(200, Http.get(port2, "/health").statusCode(), "the running engine is untouched");
    } finally {
      stopChild(third);
      stopChild(second);
      stopChild(first);
      if (orphan > 0) {
        ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
      }
      TestDatabase.deleteTree(dir);
      TestDatabase.deleteTree(logs);
    }
  }

  @Test
  void aBusyPortAndADataFolderInUseAreRefusedWithOneSentenceBeforeAnyWork() throws Exception {
    // Verifies that a busy HTTP port is refused before the data folder is even created, naming the port, and that a
    // second engine on a data folder in use is refused naming the folder.
    Path base = Files.createTempDirectory("fault-refuse");
    Path dir = base.resolve("data");
    try (ServerSocket busy = new ServerSocket(0)) {
      Map<String, String> env = embeddedEnv(dir);
      env.put("HTTP_PORT", Integer.toString(busy.getLocalPort()));
      StartupRefused refused = assertThrows(StartupRefused.class, () -> TestEngine.start(env));
      assertTrue(refused.getMessage().contains("port " + busy.getLocalPort()), refused.getMessage());
      assertFalse(Files.exists(dir), "refused before any work: no data folder");
    }
    Engine e = TestEngine.start(embeddedEnv(dir));
    try {
      StartupRefused refused = assertThrows(StartupRefused.class, () -> TestEngine.start(embeddedEnv(dir)));
      assertTrue(refused.getMessage().contains(dir.toString()), refused.getMessage());
      assertEquals(200, Http.get(e.port(), "/health").statusCode(), "the running engine is untouched");
    } finally {
      e.stop();
      TestDatabase.deleteTree(base);
    }
  }

  /** Posts events continuously from a bounded window and records the ids answered 202 and 503. */
  private static final class Sender {
    final int port;
    final String tag;
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final Set<String> refused = ConcurrentHashMap.newKeySet();
    final AtomicBoolean running = new AtomicBoolean();
    final Semaphore window = new Semaphore(16);
    volatile boolean backOff;
    Thread thread;

    Sender(int port, String tag) {
      this.port = port;
      this.tag = tag;
    }

    void start() {
      running.set(true);
      thread = new Thread(() -> {
        int i = 0;
        while (running.get()) {
          try {
            if (backOff) {
              // A 503 asks the sender to come back later; a real sender honours Retry-After. Pacing of this
              // simulated client, not a wait for the engine: the one Thread.sleep left outside testing.Await.
              Thread.sleep(50);
            }
            if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
              continue;
            }
          } catch (InterruptedException ex) {
            return;
          }
          String id = UUID.randomUUID().toString();
          Webhooks.mcpAsync(port, Webhooks.mcpError(id, "u-" + (i % 20), tag + " " + i).encode())
              .whenComplete((r, ex) -> {
                backOff = ex != null || r.statusCode() != 202;
                if (ex == null && r.statusCode() == 202) {
                  acked.add(id);
                } else {
                  refused.add(id);
                }
                window.release();
              });
          i++;
        }
      }, "fault-sender-" + tag);
      thread.start();
    }

    void awaitAcked(int n, long timeoutMs) {
      Await.value(n + " events acknowledged before the fault", Duration.ofMillis(timeoutMs), acked::size,
          a -> a >= n);
    }

    void stop() throws InterruptedException {
      if (!running.getAndSet(false)) {
        return;
      }
      thread.join(10_000);
      // Wait for the answers still on their way (window fully returned).
      if (window.tryAcquire(16, 90, TimeUnit.SECONDS)) {
        window.release(16);
      }
    }
  }

  /** Re-sends every refused id until it is 202 or 200 (duplicate); a 200 proves it had been stored already. */
  private static void retryRefused(int port, Sender sender) {
    for (String id : sender.refused) {
      Await.value("the retry of " + id + " accepted (202) or known (200)", Duration.ofSeconds(30),
          () -> Webhooks.mcp(port, Webhooks.mcpError(id, "u-retry", "retry").encode()).statusCode(),
          status -> status == 202 || status == 200);
      sender.acked.add(id);
    }
  }

  private static void assertStoredExactlyOnce(Pool pool, Collection<String> ids) {
    Row row = pool.preparedQuery("SELECT count(*), count(DISTINCT event_id) FROM support_error_log"
        + " WHERE event_id = ANY($1)").execute(Tuple.of(ids.toArray(new String[0])))
        .await().iterator().next();
    assertEquals(ids.size(), row.getLong(1), "every acknowledged id is stored");
    assertEquals(ids.size(), row.getLong(0), "and none twice");
  }

  private static void assertStoredExactlyOnce(int pgPort, Collection<String> ids) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + pgPort + "/postgres", "postgres",
        "postgres");
        PreparedStatement s = c.prepareStatement("SELECT count(*), count(DISTINCT event_id) FROM support_error_log"
            + " WHERE event_id = ANY(?)")) {
      s.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        assertEquals(ids.size(), rs.getLong(2), "every acknowledged id is stored");
        assertEquals(ids.size(), rs.getLong(1), "and none twice");
      }
    }
  }

  private static String show(Pool pool, String setting) {
    return pool.query("SHOW " + setting).execute().await().iterator().next().getString(0);
  }

  private static long postmasterPid(Path dir) throws IOException {
    return Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid"), StandardCharsets.UTF_8).get(0).trim());
  }

  /** The postmaster's pid, or {@code absent} while a restart has removed (or not yet written) the pid file. */
  private static long postmasterPidOr(Path dir, long absent) throws IOException {
    try {
      return postmasterPid(dir);
    } catch (java.nio.file.NoSuchFileException | IndexOutOfBoundsException | NumberFormatException e) {
      return absent;
    }
  }

  private static int postmasterPort(Path dir) throws IOException {
    return Integer.parseInt(Files.readAllLines(dir.resolve("postmaster.pid"), StandardCharsets.UTF_8).get(3).trim());
  }

  /** The postmaster of the data folder and all its children (backends, checkpointer, WAL writer, ...). */
  private static List<Long> postgresProcesses(Path dir) throws IOException {
    ProcessHandle pm = ProcessHandle.of(postmasterPid(dir)).orElseThrow();
    return Stream.concat(Stream.of(pm), pm.descendants()).map(ProcessHandle::pid).collect(Collectors.toList());
  }

  private static void signal(String sig, List<Long> pids) throws IOException, InterruptedException {
    if (pids.isEmpty()) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
    pids.forEach(p -> cmd.add(Long.toString(p)));
    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
        .waitFor(10, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts an engine in a child JVM (same classpath), so it can be killed with SIGKILL. */
  private static Process startChild(Path dataDir, int port, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        "-Dlogback.configurationFile=" + Path.of("src/test/resources/logback-test.xml").toAbsolutePath(),
        "io.supportpilot.Main");
    Map<String, String> env = new HashMap<>(embeddedEnv(dataDir));
    env.put("HTTP_PORT", Integer.toString(port));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return pb.start();
  }

  private static void awaitLive(Process p, int port, Path log) {
    Await.until("the engine to become ready", Duration.ofSeconds(120), () -> {
      if (!p.isAlive()) {
        throw new AssertionError("the engine exited with " + p.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        return Http.get(port, "/health").statusCode() == 200;
      } catch (RuntimeException notYet) {
        return false; // not listening yet
      }
    }, () -> "its log:\n" + read(log));
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static void stopChild(Process p) throws InterruptedException {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
