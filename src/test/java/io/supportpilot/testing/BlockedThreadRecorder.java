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

  @Override
  protected void append(ILoggingEvent event) {
    String m = event.getFormattedMessage();
    if (CHECKER_LOGGER.equals(event.getLoggerName()) && m != null && m.contains("has been blocked")) {
      RECORDED.add(m);
    }
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
