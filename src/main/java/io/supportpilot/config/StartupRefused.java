package io.supportpilot.config;

/**
 * The engine refuses to start for a reason an operator can fix (a busy port, a data folder in use); the message is
 * one sentence that names the cause and the way out, and start-up stops before doing any work.
 */
public final class StartupRefused extends RuntimeException {

  public StartupRefused(String message) {
    super(message, null, false, false);
  }
}
