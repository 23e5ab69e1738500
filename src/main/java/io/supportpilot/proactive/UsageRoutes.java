package io.supportpilot.proactive;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.supportpilot.ingest.Signatures;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.Locale;

/**
 * {@code POST /api/webhooks/usage}: one record per tool call (NDJSON or a JSON array), signed like the MCP error
 * webhook (the same secret and scheme). 202 once every new call is committed, 200 when all were already counted, 207
 * when some items were rejected, 400 when none is valid.
 */
final class UsageRoutes {

  static final String PATH = "/api/webhooks/usage";
  /** Meter name of usage calls by outcome. */
  static final String CALLS_METER = "supportpilot.usage.calls";
  private static final String CALLS_HELP = "Usage calls received, by outcome (accepted = newly counted)";

  private final ProactiveConfig cfg;
  private final Signatures signatures;
  private final UsageRecords records;
  private final UsageWriter writer;
  private final Clock clock;
  private final Counter accepted;
  private final Counter duplicates;
  private final Counter rejected;

  UsageRoutes(ProactiveConfig cfg, Signatures signatures, UsageWriter writer, Clock clock, MeterRegistry registry) {
    this.cfg = cfg;
    this.signatures = signatures;
    this.records = new UsageRecords(cfg.usageBatchMaxItems());
    this.writer = writer;
    this.clock = clock;
    this.accepted = Counter.builder(CALLS_METER).description(CALLS_HELP).tag("outcome", "accepted")
        .register(registry);
    this.duplicates = Counter.builder(CALLS_METER).description(CALLS_HELP).tag("outcome", "duplicate")
        .register(registry);
    this.rejected = Counter.builder(CALLS_METER).description(CALLS_HELP).tag("outcome", "rejected")
        .register(registry);
  }

  void mount(Router router) {
    router.post(PATH).handler(this::mediaType);
    router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(cfg.usageBodyLimitBytes())
        .setPreallocateBodyBuffer(true)).handler(this::post);
  }

  private void mediaType(RoutingContext rc) {
    String ct = rc.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String type = ct == null ? "" : ct.toLowerCase(Locale.ROOT).split(";", 2)[0].trim();
    if (!type.equals("application/json") && !type.equals("application/x-ndjson") && !type.equals("application/ndjson")
        && !type.equals("application/jsonl")) {
      rc.fail(HttpFailure.unsupportedMediaType("send usage as application/json (an array) or application/x-ndjson"));
      return;
    }
    rc.next();
  }

  private void post(RoutingContext rc) {
    if (signatures == null) {
      throw HttpFailure.unauthorized("the usage webhook is not configured (MCP_WEBHOOK_SECRET is not set); unsigned "
          + "usage is refused");
    }
    Buffer b = rc.body().buffer();
    byte[] body = b == null ? new byte[0] : b.getBytes();
    long now = clock.millis();
    signatures.verifyMcp(rc.request().getHeader("X-Timestamp"), rc.request().getHeader("X-Signature"), body,
        now / 1000, cfg.maxSkew());
    // A call older than the raw retention could be counted again after its row is deleted: refused up front.
    long oldest = now - cfg.usageRetention().toMillis() + 3_600_000L;
    UsageRecords.Parsed parsed = records.parse(body, oldest, now + cfg.maxSkew().toMillis());
    rejected.increment(parsed.rejected().size());
    if (parsed.calls().isEmpty()) {
      reply(rc, 400, 0, 0, parsed);
      return;
    }
    writer.submit(parsed.calls()).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      UsageWriter.Counts c = ar.result();
      accepted.increment(c.accepted());
      duplicates.increment(c.duplicates());
      int status = !parsed.rejected().isEmpty() ? 207 : c.accepted() > 0 ? 202 : 200;
      reply(rc, status, c.accepted(), c.duplicates(), parsed);
    });
  }

  private static void reply(RoutingContext rc, int status, int accepted, int duplicates, UsageRecords.Parsed parsed) {
    JsonArray errors = new JsonArray();
    for (UsageRecords.Rejected r : parsed.rejected()) {
      errors.add(new JsonObject().put("index", r.index()).put("error", r.error()).put("detail", r.detail()));
    }
    JsonObject out = new JsonObject().put("accepted", accepted).put("duplicates", duplicates)
        .put("rejected", parsed.rejected().size()).put("errors", errors);
    if (status == 400) {
      out.put("error", "bad_request").put("detail", "no item of the batch is valid; see errors");
    }
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(out.encode());
  }
}
