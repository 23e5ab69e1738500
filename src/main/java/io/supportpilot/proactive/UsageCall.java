package io.supportpilot.proactive;

/** One tool call of the MCP server, as reported to {@code POST /api/webhooks/usage}. */
record UsageCall(String callId, String userId, String connectionId, String tool, String status, Integer statusCode,
    Integer durationMs, long atMillis, boolean ok) {
}
