package io.supportpilot.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.ingest.IngestMetrics.Outcome;
import io.supportpilot.ingest.IngestMetrics.Reason;
import io.supportpilot.ingest.IngestMetrics.Source;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final byte[] EMPTY = new byte[0];

  private final IngestConfig config;
  private final ErrorPayloads payloads;
  private final Signatures mcp;
  private final Signatures sentry;
  private final ErrorSink sink;
  private final IngestMetrics metrics;
  private final Cache<String, Boolean> recent;
  private final Clock clock;

  WebhookRoutes(IngestConfig config, ErrorPayloads payloads, Signatures mcp, Signatures sentry, ErrorSink sink,
      IngestMetrics metrics, Clock clock) {
    this.config = config;
    this.payloads = payloads;
    this.mcp = mcp;
    this.sentry = sentry;
    this.sink = sink;
    this.metrics = metrics;
    this.clock = clock;
    // Maintenance (eviction) runs on the calling event loop, amortised: no hand-off to the common pool per write.
    this.recent = config.dedupeCacheSize() > 0
        ? Caffeine.newBuilder().maximumSize(config.dedupeCacheSize()).executor(Runnable::run).build() : null;
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
      metrics.rejected(s, Reason.ofStatus(status), 1);
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

  // ---------------------------------------------------------------- MCP single

  /** The raw body of an MCP request whose secret is configured and whose timestamped signature holds. */
  private byte[] verifiedMcpBody(RoutingContext rc, Instant now) {
    requireMcpSecret();
    byte[] body = bytes(rc);
    mcp.verifyMcp(rc.request().getHeader("X-Timestamp"), rc.request().getHeader("X-Signature"), body,
        now.getEpochSecond(), config.maxSkew());
    return body;
  }

  private void mcpSingle(RoutingContext rc) {
    long t0 = rc.get("t0");
    Instant now = clock.instant();
    byte[] body = verifiedMcpBody(rc, now);
    ErrorEvent event = payloads.mcpFromBytes(body, 0, body.length, now, "");
    submitOne(rc, Source.MCP, event, t0);
  }

  private void submitOne(RoutingContext rc, Source source, ErrorEvent event, long t0) {
    String key = event.source() + ':' + event.eventId();
    if (recent != null && recent.getIfPresent(key) != null) {
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
        recent.put(key, Boolean.TRUE);
      }
      boolean inserted = ar.result()[0];
      metrics.count(source, inserted ? Outcome.ACCEPTED : Outcome.DUPLICATE, 1);
      metrics.acked(source, t0);
      reply(rc, inserted ? 202 : 200, inserted ? "accepted" : "duplicate", event.eventId());
    });
  }

  private static void reply(RoutingContext rc, int status, String word, String eventId) {
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(new JsonObject().put("status", word).put("event_id", eventId).encode());
  }

  // ---------------------------------------------------------------- MCP batch

  private void mcpBatch(RoutingContext rc) {
    long t0 = rc.get("t0");
    Instant now = clock.instant();
    byte[] body = verifiedMcpBody(rc, now);
    int firstNonSpace = 0;
    while (firstNonSpace < body.length && Character.isWhitespace(body[firstNonSpace])) {
      firstNonSpace++;
    }
    if (firstNonSpace == body.length) {
      throw HttpFailure.badRequest("the batch is empty");
    }
    List<Item> items = new ArrayList<>();
    if (body[firstNonSpace] == '[') {
      JsonNode array = payloads.parse(body, 0, body.length);
      if (array.size() > config.batchMaxItems()) {
        throw HttpFailure.tooLarge("the batch holds " + array.size() + " items; at most " + config.batchMaxItems());
      }
      int i = 0;
      for (JsonNode node : array) {
        String at = "[" + i + "].";
        try {
          byte[] raw = payloads.bytesOf(node);
          items.add(new Item(i, payloads.mcp(node, raw, 0, raw.length, now, at), null));
        } catch (HttpFailure f) {
          items.add(new Item(i, null, f));
        }
        i++;
      }
    } else {
      List<int[]> lines = ErrorPayloads.ndjsonLines(body, body.length);
      if (lines.size() > config.batchMaxItems()) {
        throw HttpFailure.tooLarge("the batch holds " + lines.size() + " lines; at most " + config.batchMaxItems());
      }
      for (int i = 0; i < lines.size(); i++) {
        int[] l = lines.get(i);
        String at = "[" + i + "].";
        try {
          items.add(new Item(i, payloads.mcpFromBytes(body, l[0], l[1], now, at), null));
        } catch (HttpFailure f) {
          items.add(new Item(i, null, new HttpFailure(f.status(), f.code(), "line " + (i + 1) + ": "
              + f.getMessage())));
        }
      }
    }
    if (items.isEmpty()) {
      throw HttpFailure.badRequest("the batch is empty");
    }
    List<ErrorEvent> toWrite = new ArrayList<>(items.size());
    List<Item> writing = new ArrayList<>(items.size());
    int invalid = 0;
    for (Item it : items) {
      if (it.failure != null) {
        invalid++;
      } else if (recent == null || recent.getIfPresent(it.event.source() + ':' + it.event.eventId()) == null) {
        toWrite.add(it.event);
        writing.add(it);
      }
    }
    if (invalid > 0) {
      metrics.rejected(Source.MCP, Reason.MALFORMED, invalid);
    }
    int invalidCount = invalid;
    if (toWrite.isEmpty()) {
      batchReply(rc, items, null, writing, invalidCount, t0);
      return;
    }
    sink.submit(toWrite).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      batchReply(rc, items, ar.result(), writing, invalidCount, t0);
    });
  }

  private void batchReply(RoutingContext rc, List<Item> items, boolean[] inserted, List<Item> writing, int invalid,
      long t0) {
    java.util.IdentityHashMap<Item, Boolean> written = new java.util.IdentityHashMap<>();
    for (int i = 0; i < writing.size(); i++) {
      written.put(writing.get(i), inserted[i]);
    }
    JsonArray results = new JsonArray();
    int accepted = 0;
    int duplicates = 0;
    for (Item it : items) {
      JsonObject r = new JsonObject().put("index", it.index);
      if (it.failure != null) {
        r.put("status", it.failure.status()).put("error", it.failure.code()).put("detail", it.failure.getMessage());
      } else {
        Boolean ins = written.get(it);
        boolean isNew = Boolean.TRUE.equals(ins);
        if (recent != null) {
          recent.put(it.event.source() + ':' + it.event.eventId(), Boolean.TRUE);
        }
        if (isNew) {
          accepted++;
        } else {
          duplicates++;
        }
        r.put("status", isNew ? 202 : 200).put("event_id", it.event.eventId());
      }
      results.add(r);
    }
    metrics.count(Source.MCP, Outcome.ACCEPTED, accepted);
    metrics.count(Source.MCP, Outcome.DUPLICATE, duplicates);
    if (accepted + duplicates > 0) {
      metrics.acked(Source.MCP, t0);
    }
    int status = invalid == items.size() ? 400 : invalid > 0 ? 207 : accepted > 0 ? 202 : 200;
    JsonObject out = new JsonObject().put("accepted", accepted).put("duplicates", duplicates)
        .put("rejected", invalid).put("results", results);
    if (status == 400) {
      out.put("error", "bad_request").put("detail", "no item of the batch is valid; see results");
    }
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(out.encode());
  }

  private record Item(int index, ErrorEvent event, HttpFailure failure) {
  }

  // ---------------------------------------------------------------- Sentry

  private void sentry(RoutingContext rc) {
    long t0 = rc.get("t0");
    if (sentry == null) {
      throw HttpFailure.unauthorized("the Sentry webhook is not configured (SENTRY_CLIENT_SECRET is not set); "
          + "unsigned events are refused");
    }
    byte[] body = bytes(rc);
    sentry.verifySentry(rc.request().getHeader("Sentry-Hook-Signature"), body);
    String resource = rc.request().getHeader("Sentry-Hook-Resource");
    JsonNode root = payloads.parse(body, 0, body.length);
    ErrorEvent event = payloads.sentry(resource, root, clock.instant());
    if (event == null) {
      metrics.count(Source.SENTRY, Outcome.IGNORED, 1);
      rc.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, JSON)
          .end(new JsonObject().put("status", "ignored").put("resource", resource == null ? "" : resource)
              .encode());
      return;
    }
    submitOne(rc, Source.SENTRY, event, t0);
  }
}
