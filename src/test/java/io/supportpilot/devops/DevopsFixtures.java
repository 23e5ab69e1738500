package io.supportpilot.devops;

import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Shared pieces of the DevOps tests: the repository's files, signed Sentry webhooks, a fake Slack, waiting. */
final class DevopsFixtures {

  static final String REPO = "acme/mcp-server";
  static final String FILE = "src/sync/invoices.ts";
  static final String BUGGY = "import { fetchInvoices } from './client';\n\n"
      + "export async function syncInvoices(conn) {\n"
      + "  const token = conn.refreshToken;\n"
      + "  return fetchInvoices(token.value);\n"
      + "}\n";
  static final String FIXED = "import { fetchInvoices } from './client';\n\n"
      + "export async function syncInvoices(conn) {\n"
      + "  const token = conn.refreshToken;\n"
      + "  if (!token) {\n"
      + "    throw new ReauthRequired(conn.id);\n"
      + "  }\n"
      + "  return fetchInvoices(token.value);\n"
      + "}\n";
  static final Map<String, String> FILES = Map.of(FILE, BUGGY,
      "src/sync/client.ts", "export async function fetchInvoices(token) { return []; }\n",
      ".github/workflows/ci.yml", "on: push\njobs: {}\n",
      "README.md", "# mcp-server\n");

  private DevopsFixtures() {
  }

  static JsonArray frames() {
    return new JsonArray()
        .add(FakeSentry.frame("node:internal/process/task_queues", "processTicksAndRejections", 95, false))
        .add(FakeSentry.frame("src/tools/router.ts", "handleToolCall", 41, true))
        .add(FakeSentry.frame(FILE, "syncInvoices", 5, true));
  }

  /** A Sentry {@code issue} webhook body (action created or unresolved). */
  static String issueWebhook(String issueId, String action, String level) {
    return new JsonObject().put("action", action).put("installation", new JsonObject().put("uuid", "inst-1"))
        .put("data", new JsonObject().put("issue", new JsonObject().put("id", issueId).put("shortId", "MCP-" + issueId)
            .put("title", "TypeError: Cannot read properties of undefined (reading 'value')")
            .put("culprit", "syncInvoices(src/sync/invoices)").put("level", level).put("status", "unresolved")
            .put("substatus", "unresolved".equals(action) ? "regressed" : "new").put("count", "12").put("userCount", 3)
            .put("firstSeen", "2026-11-30T08:00:00Z").put("lastSeen", "2026-12-01T05:00:00Z")
            .put("web_url", "https://acme.sentry.io/issues/" + issueId + "/")
            .put("metadata", new JsonObject().put("type", "TypeError")
                .put("value", "Cannot read properties of undefined (reading 'value')"))
            .put("project", new JsonObject().put("id", "42").put("slug", "mcp-server"))))
        .put("actor", new JsonObject().put("type", "application").put("id", "sentry").put("name", "Sentry")).encode();
  }

  /** A Sentry {@code event_alert} webhook body with a full event of the issue. */
  static String eventAlert(String issueId, String level) {
    String eventId = UUID.randomUUID().toString().replace("-", "");
    JsonArray frames = new JsonArray();
    frames().forEach(f -> {
      JsonObject o = ((JsonObject) f).copy();
      frames.add(new JsonObject().put("filename", o.getString("filename")).put("function", o.getString("function"))
          .put("lineno", o.getInteger("lineNo")).put("in_app", o.getBoolean("inApp")));
    });
    return new JsonObject().put("action", "triggered").put("installation", new JsonObject().put("uuid", "inst-1"))
        .put("data", new JsonObject().put("triggered_rule", "new or regressed errors").put("event", new JsonObject()
            .put("event_id", eventId).put("issue_id", issueId).put("level", level)
            .put("title", "TypeError: Cannot read properties of undefined (reading 'value')")
            .put("web_url", "https://acme.sentry.io/organizations/acme/issues/" + issueId + "/events/" + eventId + "/")
            .put("exception", new JsonObject().put("values", new JsonArray().add(new JsonObject().put("type", "TypeError")
                .put("value", "Cannot read properties of undefined (reading 'value')")
                .put("stacktrace", new JsonObject().put("frames", frames)))))
            .put("tags", new JsonArray().add(new JsonArray().add("environment").add("production")))
            .put("datetime", "2026-12-01T05:00:00+00:00")))
        .encode();
  }

  /** POSTs a Sentry webhook signed with the test client secret. */
  static HttpResponse<String> sentry(int port, String resource, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return Http.post(port, "/api/webhooks/sentry", b, "Content-Type", "application/json",
        "Request-ID", UUID.randomUUID().toString().replace("-", ""), "Sentry-Hook-Resource", resource,
        "Sentry-Hook-Timestamp", String.valueOf(System.currentTimeMillis() / 1000),
        "Sentry-Hook-Signature", hmac(TestEngine.SENTRY_SECRET, b));
  }

  static String hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      StringBuilder sb = new StringBuilder();
      for (byte x : mac.doFinal(body)) {
        sb.append(String.format("%02x", x));
      }
      return sb.toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fake Slack incoming webhook that keeps every posted text. */
  static final class FakeSlack implements AutoCloseable {

    final Queue<String> texts = new ConcurrentLinkedQueue<>();
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;

    FakeSlack() {
      server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
        texts.add(b.toJsonObject().getString("text"));
        req.response().setStatusCode(200).end("ok");
      }));
      try {
        server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort() + "/services/T000/B000/slacksecret";
    }

    @Override
    public void close() {
      vertx.close();
    }
  }
}
