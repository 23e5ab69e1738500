package io.supportpilot;

import io.supportpilot.config.ConfigException;
import io.supportpilot.config.StartupRefused;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the engine and stops it cleanly on SIGTERM/SIGINT. */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  /** Entry point. */
  public static void main(String[] args) {
    Engine engine;
    try {
      engine = Engine.start();
    } catch (ConfigException e) {
      LOG.error("invalid configuration: {}", e.getMessage());
      System.err.println("supportpilot: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    } catch (StartupRefused e) {
      LOG.error("cannot start: {}", e.getMessage());
      System.exit(1);
      return;
    } catch (RuntimeException e) {
      LOG.error("start-up failed: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(engine::stop, "supportpilot-shutdown"));
  }
}
