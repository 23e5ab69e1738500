package io.supportpilot.proactive;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time of a load run from /proc (Linux): the JVM process split into engine and load client (the main thread that
 * builds bodies and the JDK HttpClient threads), and Postgres (the postmaster, its live children and the children that
 * already exited). CPU time, unlike wall-clock throughput, barely moves when other work shares the machine.
 */
final class CpuMeter {

  /** CPU nanoseconds spent since the meter was made. */
  record Split(long engineNs, long postgresNs, long clientNs) {
  }

  private static final long TICK_NS = 10_000_000L; // USER_HZ is 100 on Linux

  private final long postmaster;
  private final long jvm0;
  private final long client0;
  private final long pg0;

  CpuMeter(long postmaster) {
    this.postmaster = postmaster;
    this.jvm0 = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
        .getProcessCpuTime();
    this.client0 = clientNs();
    this.pg0 = postgresNs();
  }

  Split split() {
    long jvm = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
        .getProcessCpuTime() - jvm0;
    long client = clientNs() - client0;
    return new Split(jvm - client, postgresNs() - pg0, client);
  }

  /** The load client's threads: main (bodies, HMAC) and the JDK HttpClient's selector and executor threads. */
  private static long clientNs() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && (t.getThreadName().equals("main") || t.getThreadName().startsWith("HttpClient"))) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  /** utime + stime of the postmaster, its reaped children (cutime + cstime) and its live children. */
  private long postgresNs() {
    long ticks = 0;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        long[] st = stat(p);
        if (st == null) {
          continue;
        }
        long pid = Long.parseLong(name);
        if (pid == postmaster) {
          ticks += st[1] + st[2] + st[3] + st[4];
        } else if (st[0] == postmaster) {
          ticks += st[1] + st[2];
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return ticks * TICK_NS;
  }

  /** ppid, utime, stime, cutime, cstime of one process, or null when it is gone. */
  private static long[] stat(Path proc) {
    try {
      String s = Files.readString(proc.resolve("stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
      return new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]),
          Long.parseLong(f[14])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
