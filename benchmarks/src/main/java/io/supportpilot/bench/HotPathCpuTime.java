package io.supportpilot.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A cross-check of {@link IngestHotPathBenchmark} on a busy machine: runs the same operations and reports
 * thread CPU time per operation (time spent waiting for a core, which inflates JMH's wall-clock figures when
 * other processes compete, is not counted). Usage: {@code java -cp benchmarks.jar
 * io.supportpilot.bench.HotPathCpuTime [seconds per operation]}.
 */
public final class HotPathCpuTime {

  private HotPathCpuTime() {
  }

  /** Entry point. */
  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    IngestHotPathBenchmark b = new IngestHotPathBenchmark();
    b.setUp();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    String[] names = {"fullHotPath", "signatureOnly", "parseAndNormaliseOnly", "storableCheckOnly", "treeParseOnly",
        "fingerprintOnly"};
    for (int round = 0; round < 2; round++) {
      for (String name : names) {
        long ops = 0;
        Object sink = null;
        long cpu0 = mx.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        long until = wall0 + (long) (seconds * 1e9);
        while (System.nanoTime() < until) {
          for (int k = 0; k < 1000; k++) {
            switch (name) {
              case "fullHotPath": sink = b.fullHotPath(); break;
              case "signatureOnly": sink = b.signatureOnly(); break;
              case "parseAndNormaliseOnly": sink = b.parseAndNormaliseOnly(); break;
              case "storableCheckOnly": sink = b.storableCheckOnly(); break;
              case "treeParseOnly": sink = b.treeParseOnly(); break;
              default: sink = b.fingerprintOnly(); break;
            }
          }
          ops += 1000;
        }
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        long wall = System.nanoTime() - wall0;
        if (round == 1) {
          System.out.printf("%-24s %8.0f ns/op CPU  (%8.0f ns/op wall, %d ops)%s%n", name, (double) cpu / ops,
              (double) wall / ops, ops, sink == null ? "?" : "");
        }
      }
    }
  }
}
