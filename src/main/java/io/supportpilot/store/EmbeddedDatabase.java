package io.supportpilot.store;

import io.supportpilot.config.StartupRefused;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Postgres server the engine starts itself (zonky embedded binaries), its data kept in a folder that survives
 * restarts, run with the durability settings of a real server unless configured otherwise. Before starting it
 * refuses a data folder that another running engine uses and stops a server orphaned by an engine that was killed;
 * once started, a supervisor restarts the server when its postmaster dies. Blocking: call it before Vert.x starts,
 * or from a worker.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  /** The lock file zonky holds while an engine runs the server of a data folder. */
  private static final String LOCK_FILE = "epg-lock";
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(30);
  /** How long the server may stay down (restart attempts failing) before liveness fails. */
  private static final Duration RESTORE_WITHIN = Duration.ofSeconds(30);

  private final Path dir;
  private final int port;
  private final Map<String, String> settings;
  private final EmbeddedPostgres postgres;
  private final Path binDir;
  private final Object lifecycle = new Object();
  private volatile long pid;
  private volatile long downSinceNanos;
  private volatile boolean restorable = true;
  private volatile boolean closing;
  private int restarts;
  private ScheduledExecutorService supervisor;

  private EmbeddedDatabase(Path dir, int port, Map<String, String> settings, EmbeddedPostgres postgres, long pid,
      Path binDir) {
    this.dir = dir;
    this.port = port;
    this.settings = settings;
    this.postgres = postgres;
    this.pid = pid;
    this.binDir = binDir;
  }

  /** Starts Postgres with full durability (fsync, synchronous_commit and full_page_writes on). */
  public static EmbeddedDatabase start(Path dataDir, int port) {
    return start(dataDir, port, "full");
  }

  /**
   * Starts Postgres with its data in {@code dataDir} (created when missing), on {@code port} (0 = free), with
   * {@code durability} {@code full}, {@code async-commit} (fsync on, commits acknowledged before their WAL flush)
   * or {@code off} (no fsync at all: an OS crash can lose or corrupt data).
   */
  public static EmbeddedDatabase start(Path dataDir, int port, String durability) {
    Path dir = dataDir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StartupRefused("the data folder " + dir + " cannot be created (" + e.getMessage()
          + "); set DATA_DIR to a writable folder");
    }
    refuseIfInUse(dir);
    stopOrphan(dir);
    boolean fresh = !Files.exists(dir.resolve("PG_VERSION"));
    Map<String, String> settings = settings(durability);
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(false)
          .setPGStartupWait(STARTUP_WAIT);
      // zonky always passes -F (fsync off) to the server; the explicit settings after it win.
      settings.forEach(builder::setServerConfig);
      if (port > 0) {
        builder.setPort(port);
      }
      long t0 = System.nanoTime();
      EmbeddedPostgres pg = builder.start();
      long pid = readPid(dir).orElse(-1L);
      Path bin = ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(c -> Path.of(c).getParent())
          .orElse(null);
      LOG.info("embedded Postgres started on port {} with data in {} ({}, durability {}, {} ms)", pg.getPort(), dir,
          fresh ? "new cluster" : "existing data", durability, (System.nanoTime() - t0) / 1_000_000);
      if ("off".equals(durability)) {
        LOG.warn("pg.durability is off: fsync is disabled, so an OS crash or power loss can lose acknowledged"
            + " events or corrupt the database");
      }
      return new EmbeddedDatabase(dir, pg.getPort(), settings, pg, pid, bin);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded Postgres in " + dir + ": " + e.getMessage(), e);
    }
  }

  static Map<String, String> settings(String durability) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("max_connections", "200");
    s.put("shared_buffers", "256MB");
    switch (durability) {
      case "off":
        s.put("fsync", "off");
        s.put("synchronous_commit", "off");
        s.put("full_page_writes", "off");
        break;
      case "async-commit":
        s.put("fsync", "on");
        s.put("synchronous_commit", "off");
        s.put("full_page_writes", "on");
        break;
      default:
        s.put("fsync", "on");
        s.put("synchronous_commit", "on");
        s.put("full_page_writes", "on");
        break;
    }
    return s;
  }

  /** Refuses to start when another running engine (in this or another process) holds the data folder's lock. */
  private static void refuseIfInUse(Path dir) {
    Path lockFile = dir.resolve(LOCK_FILE);
    if (!Files.exists(lockFile)) {
      return;
    }
    boolean held;
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock lock = ch.tryLock();
      held = lock == null;
      if (lock != null) {
        lock.release();
      }
    } catch (OverlappingFileLockException e) {
      held = true;
    } catch (IOException e) {
      held = false;
    }
    if (held) {
      throw new StartupRefused("the data folder " + dir + " is in use by another running supportpilot engine; stop"
          + " that engine or set DATA_DIR to another folder");
    }
  }

  /**
   * Stops a postmaster that still runs on this data folder although no engine holds it (its engine was killed):
   * otherwise the new server refuses to start. A stale pid file of a process that is not Postgres is removed.
   */
  private static void stopOrphan(Path dir) {
    Path pidFile = dir.resolve("postmaster.pid");
    Optional<Long> pid = readPid(dir);
    if (pid.isEmpty() || !isRunning(pid.get())) {
      return;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid.get());
    String command = handle.flatMap(h -> h.info().command()).orElse("");
    if (handle.isEmpty() || !command.endsWith("postgres")) {
      LOG.info("removing the stale {} (pid {} is not a Postgres server)", pidFile, pid.get());
      try {
        Files.deleteIfExists(pidFile);
      } catch (IOException e) {
        LOG.warn("cannot remove {}: {}", pidFile, e.getMessage());
      }
      return;
    }
    LOG.warn("a Postgres server (pid {}) left running by an engine that did not stop cleanly holds {}; stopping it",
        pid.get(), dir);
    ProcessHandle h = handle.get();
    h.destroy();
    if (!waitForExit(pid.get(), ORPHAN_STOP_WAIT)) {
      LOG.warn("the orphaned Postgres server (pid {}) did not stop within {} s; killing it", pid.get(),
          ORPHAN_STOP_WAIT.toSeconds());
      h.destroyForcibly();
      waitForExit(pid.get(), Duration.ofSeconds(10));
    }
  }

  private static boolean waitForExit(long pid, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (isRunning(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(50);
    }
    return true;
  }

  /** The postmaster's pid from {@code postmaster.pid}, when the file exists and is readable. */
  static Optional<Long> readPid(Path dir) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** True while the process exists and is not a zombie (a killed postmaster may wait unreaped). */
  static boolean isRunning(long pid) {
    if (pid <= 0) {
      return false;
    }
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (Files.isDirectory(Path.of("/proc", "self"))) {
      try {
        String s = Files.readString(stat, StandardCharsets.UTF_8);
        int close = s.lastIndexOf(')');
        return close > 0 && close + 2 < s.length() && s.charAt(close + 2) != 'Z' && s.charAt(close + 2) != 'X';
      } catch (IOException e) {
        return false;
      }
    }
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * Starts watching the postmaster every {@code interval}: when it has died, the server is started again on the
   * same port and data (crash recovery replays the WAL), retried until it works.
   */
  public void supervise(Duration interval) {
    synchronized (lifecycle) {
      if (supervisor != null || closing) {
        return;
      }
      supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "embedded-postgres-supervisor");
        t.setDaemon(true);
        return t;
      });
      supervisor.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void check() {
    try {
      if (closing || isRunning(pid)) {
        return;
      }
      if (binDir == null) {
        restorable = false;
        LOG.error("embedded Postgres (pid {}) is gone and cannot be restarted (its binaries are unknown)", pid);
        return;
      }
      long now = System.nanoTime();
      if (downSinceNanos == 0) {
        downSinceNanos = now;
        LOG.error("embedded Postgres (pid {}) is gone; restarting it on port {}", pid, port);
      }
      if (restart()) {
        LOG.info("embedded Postgres restarted (pid {}) after {} ms down; {} restarts so far", pid,
            (System.nanoTime() - downSinceNanos) / 1_000_000, restarts);
        downSinceNanos = 0;
        restorable = true;
      } else if (restorable && now - downSinceNanos > RESTORE_WITHIN.toNanos()) {
        restorable = false;
        LOG.error("embedded Postgres could not be restarted within {} s; liveness now fails (still retrying)",
            RESTORE_WITHIN.toSeconds());
      }
    } catch (RuntimeException e) {
      LOG.error("embedded Postgres supervision failed", e);
    }
  }

  private boolean restart() {
    synchronized (lifecycle) {
      if (closing) {
        return true;
      }
      List<String> opts = new ArrayList<>(List.of("-p", Integer.toString(port)));
      settings.forEach((k, v) -> {
        opts.add("-c");
        opts.add(k + "=" + v);
      });
      List<String> cmd = new ArrayList<>();
      if (runningAsRoot()) {
        // Postgres refuses to run as root; like zonky, start it in a user namespace where it is not root.
        cmd.addAll(List.of("unshare", "-U"));
      }
      cmd.addAll(List.of(binDir.resolve("pg_ctl").toString(), "-D", dir.toString(), "-l",
          dir.resolve("restart.log").toString(), "-o", String.join(" ", opts), "-w", "-t",
          Long.toString(STARTUP_WAIT.toSeconds()), "start"));
      try {
        Path out = dir.resolve("pg_ctl.out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(STARTUP_WAIT.toSeconds() + 10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return false;
        }
        if (p.exitValue() != 0) {
          // Typically the dead postmaster's children have not exited yet (shared memory still attached).
          String said = Files.readString(out, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
          LOG.warn("embedded Postgres restart attempt failed (pg_ctl exit {}: {}); server log in {}", p.exitValue(),
              said.length() > 300 ? said.substring(said.length() - 300) : said, dir.resolve("restart.log"));
          sleep(500);
          return false;
        }
      } catch (IOException e) {
        LOG.warn("embedded Postgres restart attempt failed: {}", e.getMessage());
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      restarts++;
      pid = readPid(dir).orElse(-1L);
      return true;
    }
  }

  private static boolean runningAsRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall back on the user name
    }
    return "root".equals(System.getProperty("user.name"));
  }

  /** False once the server has died and could not be restarted in time: liveness fails. */
  public boolean restorable() {
    return restorable;
  }

  /** The postmaster's process id (changes when the supervisor restarted it). */
  public long pid() {
    return pid;
  }

  /** The server's port on localhost. */
  public int port() {
    return port;
  }

  /** The data folder. */
  public Path dataDir() {
    return dir;
  }

  /** The connection URI of the {@code postgres} database as user {@code postgres}. */
  public String url() {
    return "postgresql://postgres:postgres@localhost:" + port() + "/postgres";
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closing) {
        return;
      }
      closing = true;
      if (supervisor != null) {
        supervisor.shutdownNow();
      }
    }
    try {
      // pg_ctl stop on the data folder: stops whichever postmaster runs there, also one the supervisor restarted.
      postgres.close();
      LOG.info("embedded Postgres stopped");
    } catch (IOException e) {
      LOG.warn("embedded Postgres did not stop cleanly: {}", e.getMessage());
    }
  }
}
