package io.supportpilot.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * Triage latency percentiles outside JMH, for a shared machine: runs {@link TriageBenchmark}'s full triage (embed +
 * search + score, 1,000 articles and 10,000 conversations) and prints wall-clock and thread-CPU-time p50/p99. CPU
 * time is what the triage itself costs; wall time also counts waiting for a core when the machine is busy.
 * Usage: {@code java -cp benchmarks/target/benchmarks.jar io.supportpilot.bench.TriageLatency [ops]}.
 */
public final class TriageLatency {

  private TriageLatency() {
  }

  /** Runs the measurement. */
  public static void main(String[] args) {
    int ops = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    TriageBenchmark b = new TriageBenchmark();
    b.setUp();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int i = 0; i < 500; i++) {
      b.triage();
    }
    long[] wall = new long[ops];
    long[] cpu = new long[ops];
    long[] search = new long[ops];
    for (int i = 0; i < ops; i++) {
      long c0 = mx.getCurrentThreadCpuTime();
      long w0 = System.nanoTime();
      b.triage();
      wall[i] = System.nanoTime() - w0;
      cpu[i] = mx.getCurrentThreadCpuTime() - c0;
      long c1 = mx.getCurrentThreadCpuTime();
      b.searchAndScore();
      search[i] = mx.getCurrentThreadCpuTime() - c1;
    }
    Arrays.sort(wall);
    Arrays.sort(cpu);
    Arrays.sort(search);
    System.out.printf(Locale.ROOT, "triage (embed + search + score), %d ops, 1000 articles, 10000 conversations%n", ops);
    System.out.printf(Locale.ROOT, "  wall      p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms%n", ms(wall, 0.5), ms(wall, 0.99),
        wall[ops - 1] / 1e6);
    System.out.printf(Locale.ROOT, "  cpu       p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms%n", ms(cpu, 0.5), ms(cpu, 0.99),
        cpu[ops - 1] / 1e6);
    System.out.printf(Locale.ROOT, "  search+score only, cpu  p50 %6.2f ms  p99 %6.2f ms%n", ms(search, 0.5),
        ms(search, 0.99));
    System.out.printf(Locale.ROOT, "  load average while measuring: %.2f on %d cores%n",
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
    b.tearDown();
    System.exit(0);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * q) - 1)] / 1e6;
  }
}
