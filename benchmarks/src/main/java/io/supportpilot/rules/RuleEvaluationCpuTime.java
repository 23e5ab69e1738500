package io.supportpilot.rules;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * {@link RuleEvaluationBenchmark#evaluateAllRules} timed in thread CPU time, for a machine where other processes
 * make JMH's wall-clock figures swing: {@code java -cp benchmarks/target/benchmarks.jar
 * io.supportpilot.rules.RuleEvaluationCpuTime [rules] [rounds] [shared|distinct]}.
 */
public final class RuleEvaluationCpuTime {

  private RuleEvaluationCpuTime() {
  }

  /** Prints CPU nanoseconds per evaluated event for each round of one million events. */
  public static void main(String[] args) {
    RuleEvaluationBenchmark b = new RuleEvaluationBenchmark();
    b.rules = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    b.regexes = args.length > 2 ? args[2] : "shared";
    b.setup();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sink = 0;
    int n = 1_000_000;
    for (int round = 0; round < rounds; round++) {
      long start = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < n; i++) {
        sink += b.evaluateAllRules();
      }
      long cpu = threads.getCurrentThreadCpuTime() - start;
      System.out.printf("round %d: %.0f ns CPU per event (%d rules)%n", round, cpu / (double) n, b.rules);
    }
    System.out.println("(matches: " + sink + ")");
  }
}
