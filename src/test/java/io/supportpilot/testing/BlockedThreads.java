package io.supportpilot.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Records the warnings of Vert.x's blocked-thread checker while open, so a test can assert that no event loop was
 * blocked (test engines run with a low {@code VERTX_MAX_EVENT_LOOP_EXECUTE_TIME}).
 */
public final class BlockedThreads implements AutoCloseable {

  private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";

  private final Logger logger = (Logger) LoggerFactory.getLogger(CHECKER);
  private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent e) {
      warnings.add(e.getFormattedMessage());
    }
  };

  private BlockedThreads() {
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  /** Starts recording. */
  public static BlockedThreads watch() {
    return new BlockedThreads();
  }

  /** The blocked-thread warnings of event-loop threads so far. */
  public List<String> eventLoopWarnings() {
    synchronized (warnings) {
      return warnings.stream().filter(w -> w.contains("eventloop")).toList();
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
