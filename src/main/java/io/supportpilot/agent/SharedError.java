package io.supportpilot.agent;

import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.ingest.Fingerprints;

/**
 * What every customer of one fingerprint has in common, and so all that a shared auto-ticket answer may be built
 * from: the error type and code, the tool, the HTTP status, and the message's first line with its volatile parts
 * (ids, numbers, quoted values) masked as the fingerprint masks them. Nothing of any one customer (connection,
 * division, user, raw message) is kept.
 */
record SharedError(String errorType, String errorCode, String tool, Integer statusCode, String template) {

  /** From the ticket's newest error; without one, from the ticket subject ({@code "<type>: <first line>"}). */
  static SharedError of(String errorType, ErrorEvent sample, String subject) {
    if (sample != null) {
      return new SharedError(errorType != null ? errorType : sample.errorType(), sample.errorCode(), sample.tool(),
          sample.statusCode(), Fingerprints.mask(firstLine(sample.message())));
    }
    String line = subject == null ? "" : subject;
    if (errorType != null && line.startsWith(errorType + ":")) {
      line = line.substring(errorType.length() + 1);
    }
    return new SharedError(errorType, null, null, null, Fingerprints.mask(firstLine(line)));
  }

  /** The error as plain lines for a prompt or a triage query. */
  String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("error type: ").append(errorType == null ? "unknown" : errorType);
    if (errorCode != null) {
      sb.append("\nerror code: ").append(errorCode);
    }
    if (statusCode != null) {
      sb.append("\nHTTP status: ").append(statusCode);
    }
    if (tool != null) {
      sb.append("\ntool: ").append(tool);
    }
    if (!template.isEmpty()) {
      sb.append("\nmessage (ids and values masked as <v> and <q>): ").append(template);
    }
    return sb.toString();
  }

  /** A one-line subject for triage. */
  String subject() {
    return (errorType == null ? "" : errorType + ": ") + template;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    for (String line : message.split("\n", 50)) {
      if (!line.isBlank()) {
        return line.strip();
      }
    }
    return "";
  }
}
