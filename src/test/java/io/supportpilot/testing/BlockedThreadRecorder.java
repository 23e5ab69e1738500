package io.supportpilot.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A logback appender (see logback-test.xml) that records Vert.x blocked-thread warnings ("Thread ... has been
 * blocked for ... ms"), so {@link NoBlockedThreads} can fail the test class during which an event loop was held.
 */
public final class BlockedThreadRecorder extends AppenderBase<ILoggingEvent> {

  /** The logger Vert.x's blocked-thread checker writes to. */
  public static final String CHECKER_LOGGER = "io.vertx.core.impl.BlockedThreadChecker";

  private static final ConcurrentLinkedQueue<String> RECORDED = new ConcurrentLinkedQueue<>();

  /**
   * Frames of the JVM's one-time work on first use: loading and linking a class, linking a lambda, starting a pool
   * thread. On a starved 2-core machine (an in-process Kafka broker starting beside the engine) these alone have held a
   * loop over the limit; they are not the application blocking, and a warning whose stack shows one is only printed.
   */
  private static final List<String> FIRST_USE = List.of("java.lang.ClassLoader.loadClass",
      "java.lang.ClassLoader.defineClass", "java.lang.invoke.MethodHandleNatives.link", "java.lang.Thread.start");

  @Override
  protected void append(ILoggingEvent event) {
    String m = event.getFormattedMessage();
    if (CHECKER_LOGGER.equals(event.getLoggerName()) && m != null && m.contains("has been blocked")) {
      if (firstUse(event.getThrowableProxy())) {
        System.err.println("ignored (JVM first-use work, not the application blocking): " + m);
        return;
      }
      RECORDED.add(m);
    }
  }

  private static boolean firstUse(ch.qos.logback.classic.spi.IThrowableProxy t) {
    if (t == null || t.getStackTraceElementProxyArray() == null) {
      return false;
    }
    for (ch.qos.logback.classic.spi.StackTraceElementProxy f : t.getStackTraceElementProxyArray()) {
      StackTraceElement e = f.getStackTraceElement();
      String frame = e.getClassName() + "." + e.getMethodName();
      if (FIRST_USE.stream().anyMatch(frame::startsWith)) {
        return true;
      }
    }
    return false;
  }

  /** Takes (and forgets) the warnings recorded so far. */
  public static List<String> drain() {
    List<String> out = new ArrayList<>();
    String m;
    while ((m = RECORDED.poll()) != null) {
      out.add(m);
    }
    return out;
  }
}
