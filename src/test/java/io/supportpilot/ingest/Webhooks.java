package io.supportpilot.ingest;

import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** Test-side webhook senders: sign MCP and Sentry requests the way the real senders do. */
final class Webhooks {

  private Webhooks() {
  }

  static String mcpSignature(String secret, long ts, byte[] body) {
    byte[] prefix = (ts + ".").getBytes(StandardCharsets.US_ASCII);
    return "sha256=" + Signatures.hex(Signatures.withSecret(secret, "t").hmac(prefix, body, 0, body.length));
  }

  static String sentrySignature(String secret, byte[] body) {
    return Signatures.hex(Signatures.withSecret(secret, "t").hmac(null, body, 0, body.length));
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** POSTs a signed MCP error. */
  static HttpResponse<String> mcp(int port, String body) {
    return mcp(port, WebhookRoutes.MCP_PATH, body.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  static HttpResponse<String> mcp(int port, String path, byte[] body, String contentType) {
    long ts = now();
    return Http.post(port, path, body, "Content-Type", contentType, "X-Timestamp", String.valueOf(ts),
        "X-Signature", mcpSignature(TestEngine.MCP_SECRET, ts, body));
  }

  /** POSTs a signed MCP error asynchronously (for concurrency tests). */
  static CompletableFuture<HttpResponse<String>> mcpAsync(int port, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    long ts = now();
    HttpRequest req = HttpRequest.newBuilder(Http.uri(port, WebhookRoutes.MCP_PATH))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .header("X-Timestamp", String.valueOf(ts))
        .header("X-Signature", mcpSignature(TestEngine.MCP_SECRET, ts, b))
        .POST(HttpRequest.BodyPublishers.ofByteArray(b)).build();
    return Http.client().sendAsync(req, HttpResponse.BodyHandlers.ofString());
  }

  /** POSTs a signed Sentry webhook with a fresh Request-ID. */
  static HttpResponse<String> sentry(int port, String resource, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return Http.post(port, WebhookRoutes.SENTRY_PATH, b, "Content-Type", "application/json",
        "Request-ID", UUID.randomUUID().toString().replace("-", ""), "Sentry-Hook-Resource", resource,
        "Sentry-Hook-Timestamp", String.valueOf(now()),
        "Sentry-Hook-Signature", sentrySignature(TestEngine.SENTRY_SECRET, b));
  }

  /** A realistic MCP error body. */
  static JsonObject mcpError(String eventId, String userId, String message) {
    JsonObject o = new JsonObject()
        .put("user_id", userId)
        .put("connection_id", "conn-" + userId)
        .put("tool", "get_invoices")
        .put("error_type", "ExactApiError")
        .put("error_code", "EXACT_500")
        .put("status_code", 502)
        .put("message", message)
        .put("stack", "ExactApiError: " + message + "\n    at fetchInvoices (/app/src/exact/invoices.ts:42:13)\n"
            + "    at handler (/app/src/tools/get-invoices.ts:17:5)\n"
            + "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)")
        .put("context", new JsonObject().put("division", 12345).put("endpoint", "/api/v1/12345/salesinvoice"))
        .put("occurred_at", "2026-11-25T10:15:30Z");
    if (eventId != null) {
      o.put("event_id", eventId);
    }
    return o;
  }
}
