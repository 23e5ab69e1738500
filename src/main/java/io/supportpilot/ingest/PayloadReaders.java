package io.supportpilot.ingest;

/**
 * The readers of webhook payloads, wired once around one {@link JsonBodyReader} with the configured limits and
 * shared by the routes of every event loop (each is thread-safe).
 */
record PayloadReaders(JsonBodyReader json, McpEventReader mcpEvents, BatchSplitter batches,
    SentryEventMapper sentryEvents) {

  /** The readers with the given JSON nesting depth and string length limits. */
  static PayloadReaders withLimits(int maxDepth, int maxStringChars) {
    JsonBodyReader json = new JsonBodyReader(maxDepth, maxStringChars);
    return new PayloadReaders(json, new McpEventReader(json), new BatchSplitter(json), new SentryEventMapper(json));
  }
}
