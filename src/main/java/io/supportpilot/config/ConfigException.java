package io.supportpilot.config;

/** A configuration value is missing or wrong; the message names the key and, where one exists, its environment variable. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }
}
