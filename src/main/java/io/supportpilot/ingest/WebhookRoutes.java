package io.supportpilot.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.EventKey;
import io.supportpilot.ingest.IngestMetrics.Outcome;
import io.supportpilot.ingest.IngestMetrics.Reason;
import io.supportpilot.ingest.IngestMetrics.Source;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The webhook endpoints: {@code POST /api/webhooks/mcp-error}, {@code /api/webhooks/mcp-error/batch} and
 * {@code /api/webhooks/sentry}. Order per request: content type (415), size (413), signature over the raw
 * bytes (401), parse and validate (400), recent-duplicate lookup (200), then the sink; 202 only once durable.
 */
final class WebhookRoutes {

  static final String MCP_PATH = "/api/webhooks/mcp-error";
  static final String MCP_BATCH_PATH = "/api/webhooks/mcp-error/batch";
  static final String SENTRY_PATH = "/api/webhooks/sentry";
  private static final String SOURCE_KEY = "supportpilot.ingest.source";
  /** Events a refused request carried (a batch counts each of its events in the rejection meter). */
  private static final String EVENTS_KEY = "supportpilot.ingest.events";
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final byte[] EMPTY = new byte[0];
  /** Bodies up to this size are verified and parsed on the event loop (well under a millisecond); larger ones not. */
  static final int INLINE_BODY_BYTES = 64 * 1024;

  private final IngestConfig config;
  private final PayloadReaders payloads;
  private final Signatures mcp;
  private final Signatures sentry;
  private final ErrorSink sink;
  private final IngestMetrics metrics;
  private final RecentKeys<EventKey> recent;
  private final Clock clock;

  WebhookRoutes(IngestConfig config, PayloadReaders payloads, Signatures mcp, Signatures sentry, ErrorSink sink,
      IngestMetrics metrics, Clock clock) {
    this.config = config;
    this.payloads = payloads;
    this.mcp = mcp;
    this.sentry = sentry;
    this.sink = sink;
    this.metrics = metrics;
    this.clock = clock;
    this.recent = config.dedupeCacheSize() > 0 ? new RecentKeys<>(config.dedupeCacheSize()) : null;
  }

  /** Mounts the three endpoints with their own body limits on one router (one HTTP verticle instance). */
  void mount(Router router) {
    BodyHandler single = BodyHandler.create(false).setBodyLimit(config.bodyLimitBytes());
    BodyHandler batch = BodyHandler.create(false).setBodyLimit(config.batchBodyLimitBytes());
    // Vert.x Web wants the body handler first on its route: the media-type check is a route of its own.
    router.post(MCP_BATCH_PATH).handler(rc -> mediaType(rc, Source.MCP, true));
    router.post(MCP_BATCH_PATH).handler(batch).handler(this::mcpBatch);
    router.post(MCP_PATH).handler(rc -> mediaType(rc, Source.MCP, false));
    router.post(MCP_PATH).handler(single).handler(this::mcpSingle);
    router.post(SENTRY_PATH).handler(rc -> mediaType(rc, Source.SENTRY, false));
    router.post(SENTRY_PATH).handler(single).handler(this::sentry);
    router.route("/api/webhooks/*").failureHandler(this::countRejection);
  }

  private void mediaType(RoutingContext rc, Source source, boolean batch) {
    rc.put(SOURCE_KEY, source);
    rc.put("t0", System.nanoTime());
    String ct = rc.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (ct == null) {
      rc.fail(HttpFailure.unsupportedMediaType("the Content-Type must be application/json"
          + (batch ? " or application/x-ndjson" : "")));
      return;
    }
    String lower = ct.toLowerCase(Locale.ROOT);
    int semi = lower.indexOf(';');
    String type = (semi >= 0 ? lower.substring(0, semi) : lower).trim();
    boolean ok = type.equals("application/json")
        || batch && (type.equals("application/x-ndjson") || type.equals("application/ndjson")
        || type.equals("application/jsonl"));
    if (!ok) {
      rc.fail(HttpFailure.unsupportedMediaType("the Content-Type '" + type + "' is not supported; send "
          + (batch ? "application/json (an array) or application/x-ndjson" : "application/json")));
      return;
    }
    if (semi >= 0 && lower.contains("charset") && !lower.contains("utf-8") && !lower.contains("utf8")) {
      rc.fail(HttpFailure.unsupportedMediaType("only the UTF-8 charset is supported"));
      return;
    }
    rc.next();
  }

  private void countRejection(RoutingContext rc) {
    Source s = rc.get(SOURCE_KEY);
    if (s != null) {
      int status = rc.failure() instanceof HttpFailure ? ((HttpFailure) rc.failure()).status()
          : rc.statusCode() > 0 ? rc.statusCode() : 500;
      Integer events = rc.get(EVENTS_KEY);
      metrics.rejected(s, Reason.ofStatus(status), events == null ? 1 : events);
    }
    rc.next();
  }

  private static byte[] bytes(RoutingContext rc) {
    Buffer b = rc.body().buffer();
    return b == null ? EMPTY : b.getBytes();
  }

  private void requireMcpSecret() {
    if (mcp == null) {
      throw HttpFailure.unauthorized("the MCP webhook is not configured (MCP_WEBHOOK_SECRET is not set); "
          + "unsigned errors are refused");
    }
  }

  /**
   * Runs {@code task} (signature check, parse, validation) inline when the body is small, else on a worker thread
   * (unordered), so no request holds an event loop for more than a fraction of a millisecond: a full 8 MiB batch
   * costs tens of milliseconds of CPU. The result is handled back on the event loop.
   */
  private <T> Future<T> offLoopIfLarge(RoutingContext rc, Callable<T> task) {
    if (rc.body().length() <= INLINE_BODY_BYTES) {
      try {
        return Future.succeededFuture(task.call());
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      } catch (Exception e) {
        return Future.failedFuture(new IllegalStateException(e));
      }
    }
    return rc.vertx().executeBlocking(task, false);
  }

  // ---------------------------------------------------------------- MCP single

  private void mcpSingle(RoutingContext rc) {
    long t0 = rc.get("t0");
    Instant now = clock.instant();
    requireMcpSecret();
    String ts = rc.request().getHeader("X-Timestamp");
    String sig = rc.request().getHeader("X-Signature");
    offLoopIfLarge(rc, () -> {
      byte[] body = bytes(rc);
      mcp.verifyMcp(ts, sig, body, now.getEpochSecond(), config.maxSkew());
      return payloads.mcpEvents().read(body, 0, body.length, now, "", ts.trim());
    }).onSuccess(event -> submitOne(rc, Source.MCP, event, t0)).onFailure(rc::fail);
  }

  private void submitOne(RoutingContext rc, Source source, ErrorEvent event, long t0) {
    EventKey key = EventKey.of(event);
    if (recent != null && recent.contains(key)) {
      metrics.count(source, Outcome.DUPLICATE, 1);
      metrics.acked(source, t0);
      reply(rc, 200, "duplicate", event.eventId());
      return;
    }
    sink.submit(List.of(event)).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      if (recent != null) {
        recent.add(key);
      }
      boolean inserted = ar.result()[0];
      metrics.count(source, inserted ? Outcome.ACCEPTED : Outcome.DUPLICATE, 1);
      metrics.acked(source, t0);
      reply(rc, inserted ? 202 : 200, inserted ? "accepted" : "duplicate", event.eventId());
    });
  }

  private static void reply(RoutingContext rc, int status, String word, String eventId) {
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(singleReply(word, eventId));
  }

  /** {@code {"status":"<word>","event_id":"<id>"}}, written straight to a string (no JsonObject per request). */
  static String singleReply(String word, String eventId) {
    StringBuilder sb = new StringBuilder(64);
    sb.append("{\"status\":\"").append(word).append("\",\"event_id\":");
    if (eventId == null) {
      sb.append("null");
    } else {
      McpBatch.quote(sb, eventId);
    }
    return sb.append('}').toString();
  }

  // ---------------------------------------------------------------- MCP batch

  private void mcpBatch(RoutingContext rc) {
    long t0 = rc.get("t0");
    Instant now = clock.instant();
    requireMcpSecret();
    String ts = rc.request().getHeader("X-Timestamp");
    String sig = rc.request().getHeader("X-Signature");
    offLoopIfLarge(rc, () -> {
      byte[] body = bytes(rc);
      mcp.verifyMcp(ts, sig, body, now.getEpochSecond(), config.maxSkew());
      return McpBatch.parse(payloads.batches(), payloads.mcpEvents(), body, ts.trim(), now, config.batchMaxItems());
    }).onSuccess(items -> submitBatch(rc, items, t0)).onFailure(rc::fail);
  }

  private void submitBatch(RoutingContext rc, List<McpBatch.Item> items, long t0) {
    List<ErrorEvent> toWrite = new ArrayList<>(items.size());
    int[] writing = new int[items.size()];
    int invalid = 0;
    for (int k = 0; k < items.size(); k++) {
      McpBatch.Item it = items.get(k);
      if (it.failure() != null) {
        invalid++;
      } else if (recent == null || !recent.contains(EventKey.of(it.event()))) {
        writing[toWrite.size()] = k;
        toWrite.add(it.event());
      }
    }
    if (invalid > 0) {
      metrics.rejected(Source.MCP, Reason.MALFORMED, invalid);
    }
    if (toWrite.isEmpty()) {
      batchReply(rc, items, new boolean[items.size()], t0);
      return;
    }
    sink.submit(toWrite).onComplete(ar -> {
      if (ar.failed()) {
        rc.put(EVENTS_KEY, toWrite.size());
        rc.fail(ar.cause());
        return;
      }
      boolean[] isNew = new boolean[items.size()];
      boolean[] inserted = ar.result();
      for (int w = 0; w < toWrite.size(); w++) {
        isNew[writing[w]] = inserted[w];
      }
      batchReply(rc, items, isNew, t0);
    });
  }

  private void batchReply(RoutingContext rc, List<McpBatch.Item> items, boolean[] isNew, long t0) {
    if (recent != null) {
      for (McpBatch.Item it : items) {
        if (it.event() != null) {
          recent.add(EventKey.of(it.event()));
        }
      }
    }
    McpBatch.Reply r = McpBatch.reply(items, isNew);
    metrics.count(Source.MCP, Outcome.ACCEPTED, r.accepted());
    metrics.count(Source.MCP, Outcome.DUPLICATE, r.duplicates());
    if (r.accepted() + r.duplicates() > 0) {
      metrics.acked(Source.MCP, t0);
    }
    rc.response().setStatusCode(r.status()).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(r.body());
  }

  // ---------------------------------------------------------------- Sentry

  private void sentry(RoutingContext rc) {
    long t0 = rc.get("t0");
    if (sentry == null) {
      throw HttpFailure.unauthorized("the Sentry webhook is not configured (SENTRY_CLIENT_SECRET is not set); "
          + "unsigned events are refused");
    }
    String sig = rc.request().getHeader("Sentry-Hook-Signature");
    String resource = rc.request().getHeader("Sentry-Hook-Resource");
    Instant now = clock.instant();
    offLoopIfLarge(rc, () -> {
      byte[] body = bytes(rc);
      sentry.verifySentry(sig, body);
      JsonNode root = payloads.json().parse(body, 0, body.length);
      return Optional.ofNullable(payloads.sentryEvents().map(resource, root, now));
    }).onSuccess(event -> {
      if (event.isEmpty()) {
        metrics.count(Source.SENTRY, Outcome.IGNORED, 1);
        rc.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, JSON)
            .end(new JsonObject().put("status", "ignored").put("resource", resource == null ? "" : resource)
                .encode());
        return;
      }
      submitOne(rc, Source.SENTRY, event.get(), t0);
    }).onFailure(rc::fail);
  }
}
