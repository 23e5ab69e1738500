package io.supportpilot.devops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way out to a rate-limited REST API (GitHub, Sentry), the same kind of gateway as the Claude one:
 * bounded concurrency, a shared pause when the API says the quota is spent ({@code x-ratelimit-remaining: 0}
 * until {@code x-ratelimit-reset}, Sentry's {@code x-sentry-rate-limit-*}), {@code retry-after} honoured on 429
 * and on GitHub's 403 secondary limits (a minute when it gives no hint), retries with backoff on 5xx and
 * timeouts, and a clear {@link RateLimited} failure when the wait would be longer than allowed. Only the method
 * and path are ever logged, never headers.
 */
final class ApiGateway {

  /** Metric name: calls by service and outcome. */
  static final String METRIC_CALLS = "supportpilot.devops.api.calls";

  private static final Logger LOG = LoggerFactory.getLogger(ApiGateway.class);

  /** How a call ended. */
  enum Outcome { OK, CLIENT_ERROR, RATE_LIMITED, SERVER_ERROR, TIMEOUT }

  /** A response: status, headers and body. */
  record Response(int status, MultiMap headers, Buffer body) {

    JsonObject json() {
      try {
        return body == null || body.length() == 0 || body.getByte(0) != '{' ? new JsonObject() : body.toJsonObject();
      } catch (RuntimeException e) {
        return new JsonObject();
      }
    }

    boolean ok() {
      return status / 100 == 2;
    }

    /** The API's own error message ({@code message} at GitHub, {@code detail} at Sentry), for the agent. */
    String message() {
      JsonObject j = json();
      String m = j.getString("message", j.getString("detail", ""));
      return m.length() > 300 ? m.substring(0, 300) : m;
    }
  }

  /** The API asked us to wait longer than allowed; {@code until} is when it will answer again. */
  static final class RateLimited extends RuntimeException {

    final Instant until;

    RateLimited(String service, Instant until) {
      super(service + " rate limit: try again after " + until, null, false, false);
      this.until = until;
    }
  }

  /** The API could not be reached or kept failing (5xx, timeouts). */
  static final class Unreachable extends RuntimeException {

    Unreachable(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final String service;
  private final DevopsConfig.Http cfg;
  private final Clock clock;
  private final Map<Outcome, Counter> calls = new EnumMap<>(Outcome.class);
  private final Queue<Runnable> waiting = new ArrayDeque<>();
  private int inFlight;
  private volatile Instant pausedUntil = Instant.EPOCH;

  ApiGateway(Vertx vertx, WebClient client, String service, DevopsConfig.Http cfg, Clock clock,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.client = client;
    this.service = service;
    this.cfg = cfg;
    this.clock = clock;
    for (Outcome o : Outcome.values()) {
      calls.put(o, Counter.builder(METRIC_CALLS).tag("service", service).tag("outcome", o.name().toLowerCase())
          .description("DevOps agent calls to external APIs").register(registry));
    }
  }

  /** When the API last said it will answer again (EPOCH when not paused). */
  Instant pausedUntil() {
    return pausedUntil;
  }

  /**
   * Sends one request with the given headers (and JSON body, may be null). Completes with any response the API
   * gives that is not a rate limit or a server error; fails with {@link RateLimited} or {@link Unreachable}.
   * Must be called on the owning context's event loop.
   */
  Future<Response> call(HttpMethod method, String url, MultiMap headers, JsonObject body) {
    return slot().compose(v -> attempt(method, url, headers, body, 0).andThen(ar -> release()));
  }

  private synchronized Future<Void> slot() {
    if (inFlight < cfg.maxConcurrent()) {
      inFlight++;
      return Future.succeededFuture();
    }
    // Resumes on the caller's context whichever thread releases the slot.
    Context ctx = vertx.getOrCreateContext();
    Promise<Void> p = Promise.promise();
    waiting.add(() -> ctx.runOnContext(v -> p.complete()));
    return p.future();
  }

  private synchronized void release() {
    Runnable next = waiting.poll();
    if (next != null) {
      next.run();
    } else {
      inFlight--;
    }
  }

  private Future<Response> attempt(HttpMethod method, String url, MultiMap headers, JsonObject body, int attempt) {
    Instant now = clock.instant();
    if (pausedUntil.isAfter(now)) {
      Duration wait = Duration.between(now, pausedUntil);
      if (wait.compareTo(cfg.maxRetryAfter()) > 0) {
        calls.get(Outcome.RATE_LIMITED).increment();
        return Future.failedFuture(new RateLimited(service, pausedUntil));
      }
      return timer(wait.toMillis()).compose(v -> attempt(method, url, headers, body, attempt));
    }
    HttpRequest<Buffer> req = client.requestAbs(method, url).timeout(cfg.timeout().toMillis());
    req.headers().addAll(headers);
    Future<HttpResponse<Buffer>> sent = body == null ? req.send() : req.sendJsonObject(body);
    return sent.transform(ar -> {
      if (ar.failed()) {
        calls.get(Outcome.TIMEOUT).increment();
        LOG.warn("{} {} {} failed: {}", service, method, pathOf(url), ar.cause().getClass().getSimpleName());
        if (attempt < cfg.maxRetries()) {
          return timer(backoff(attempt)).compose(v -> attempt(method, url, headers, body, attempt + 1));
        }
        return Future.failedFuture(new Unreachable(service + " could not be reached"));
      }
      HttpResponse<Buffer> r = ar.result();
      Response resp = new Response(r.statusCode(), r.headers(), r.body());
      Instant reset = resetAt(r.headers());
      Long remaining = remaining(r.headers());
      if (remaining != null && remaining <= 0 && reset != null && reset.isAfter(clock.instant())) {
        pausedUntil = max(pausedUntil, reset);
      }
      if (isRateLimit(resp, remaining)) {
        Duration wait = waitFor(r.headers(), remaining, reset);
        Instant until = clock.instant().plus(wait);
        pausedUntil = max(pausedUntil, until);
        LOG.warn("{} {} {} rate limited ({}): waiting {} ms", service, method, pathOf(url), r.statusCode(),
            wait.toMillis());
        if (attempt < cfg.maxRetries() && wait.compareTo(cfg.maxRetryAfter()) <= 0) {
          return timer(Math.max(1, wait.toMillis())).compose(v -> attempt(method, url, headers, body, attempt + 1));
        }
        calls.get(Outcome.RATE_LIMITED).increment();
        return Future.failedFuture(new RateLimited(service, until));
      }
      if (r.statusCode() >= 500) {
        calls.get(Outcome.SERVER_ERROR).increment();
        LOG.warn("{} {} {} answered {}", service, method, pathOf(url), r.statusCode());
        if (attempt < cfg.maxRetries()) {
          return timer(backoff(attempt)).compose(v -> attempt(method, url, headers, body, attempt + 1));
        }
        return Future.failedFuture(new Unreachable(service + " answered " + r.statusCode()));
      }
      calls.get(resp.ok() ? Outcome.OK : Outcome.CLIENT_ERROR).increment();
      return Future.succeededFuture(resp);
    });
  }

  /** 429 always; 403 when the quota is spent, a retry-after is given, or GitHub names a secondary limit. */
  private static boolean isRateLimit(Response r, Long remaining) {
    if (r.status() == 429) {
      return true;
    }
    if (r.status() != 403) {
      return false;
    }
    if ((remaining != null && remaining <= 0) || r.headers().get("retry-after") != null) {
      return true;
    }
    return r.message().toLowerCase().contains("rate limit");
  }

  private Duration waitFor(MultiMap h, Long remaining, Instant reset) {
    String ra = h.get("retry-after");
    if (ra != null) {
      try {
        return Duration.ofSeconds(Math.max(0, Long.parseLong(ra.trim())));
      } catch (NumberFormatException e) {
        // an HTTP date: fall through to the other hints
      }
    }
    if (remaining != null && remaining <= 0 && reset != null) {
      Duration d = Duration.between(clock.instant(), reset);
      return d.isNegative() ? Duration.ZERO : d;
    }
    // GitHub: a secondary limit without a hint means waiting at least a minute.
    return cfg.secondaryLimitWait();
  }

  private static Long remaining(MultiMap h) {
    String v = h.get("x-ratelimit-remaining");
    if (v == null) {
      v = h.get("x-sentry-rate-limit-remaining");
    }
    try {
      return v == null ? null : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Instant resetAt(MultiMap h) {
    String v = h.get("x-ratelimit-reset");
    if (v == null) {
      v = h.get("x-sentry-rate-limit-reset");
    }
    try {
      return v == null ? null : Instant.ofEpochSecond((long) Double.parseDouble(v.trim()));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private long backoff(int attempt) {
    return Math.min(30_000, 250L << Math.min(attempt, 7));
  }

  private Future<Void> timer(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, ms), t -> p.complete());
    return p.future();
  }

  private static String pathOf(String url) {
    int scheme = url.indexOf("://");
    int slash = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
    String p = slash < 0 ? "/" : url.substring(slash);
    int q = p.indexOf('?');
    return q < 0 ? p : p.substring(0, q);
  }
}
