package io.supportpilot.ingest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A cross-check of {@link BatchSliceBenchmark} on a busy machine: thread CPU time per operation (time spent waiting
 * for a core is not counted), median and worst of many runs. Usage: {@code java -cp benchmarks.jar
 * io.supportpilot.ingest.BatchSliceCpuTime [runs per operation]}.
 */
public final class BatchSliceCpuTime {

  private BatchSliceCpuTime() {
  }

  /** Entry point. */
  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    BatchSliceBenchmark b = new BatchSliceBenchmark();
    b.setUp();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    String[] names = {"onLoopInlineBatch", "onLoopInlineSingle", "onLoopDedupeLookups", "onLoopReply",
        "fullBatchOffLoop"};
    for (int round = 0; round < 2; round++) {
      for (String name : names) {
        int n = name.equals("fullBatchOffLoop") ? Math.max(10, runs / 10) : runs;
        long[] cpu = new long[n];
        Object sink = null;
        for (int k = 0; k < n; k++) {
          long c0 = mx.getCurrentThreadCpuTime();
          switch (name) {
            case "onLoopInlineBatch": sink = b.onLoopInlineBatch(); break;
            case "onLoopInlineSingle": sink = b.onLoopInlineSingle(); break;
            case "onLoopDedupeLookups": sink = b.onLoopDedupeLookups(); break;
            case "onLoopReply": sink = b.onLoopReply(); break;
            default: sink = b.fullBatchOffLoop(); break;
          }
          cpu[k] = mx.getCurrentThreadCpuTime() - c0;
        }
        Arrays.sort(cpu);
        if (round == 1) {
          System.out.printf("%-22s CPU per op: median %8.3f ms, p99 %8.3f ms, max %8.3f ms (%d runs)%s%n", name,
              cpu[n / 2] / 1e6, cpu[Math.min(n - 1, (int) (n * 0.99))] / 1e6, cpu[n - 1] / 1e6, n,
              sink == null ? "?" : "");
        }
      }
    }
  }
}
