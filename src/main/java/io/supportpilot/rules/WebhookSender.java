package io.supportpilot.rules;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Delivers webhook actions: the JSON body signed like our own inbound webhooks ({@code X-Timestamp} and
 * {@code X-Signature: sha256=<hex of HMAC-SHA256 over "<ts>.<body>">} with the rule's secret), retried with
 * exponential backoff on connection failures, timeouts, 429 and 5xx, never redirected, and refused for private,
 * loopback and link-local targets unless the host is allowed. Plain http connects to the address that was checked
 * (no second lookup); https connects by name, so the certificate can be verified.
 */
final class WebhookSender {

  private final Vertx vertx;
  private final WebClient client;
  private final Clock clock;
  private final Set<String> allowedHosts;
  private final long timeoutMs;
  private final int maxAttempts;
  private final long retryBaseMs;

  WebhookSender(Vertx vertx, Clock clock, RulesConfig cfg) {
    this.vertx = vertx;
    this.client = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false)
        .setConnectTimeout((int) cfg.webhookTimeout().toMillis()).setUserAgent("supportpilot-rules"));
    this.clock = clock;
    this.allowedHosts = cfg.webhookAllowedHosts();
    this.timeoutMs = cfg.webhookTimeout().toMillis();
    this.maxAttempts = cfg.webhookMaxAttempts();
    this.retryBaseMs = cfg.webhookRetryBase().toMillis();
  }

  /** Sends the body; the result says done or failed with the attempts made. Never fails the future. */
  Future<JsonObject> send(String url, String secret, String deliveryId, JsonObject body) {
    URI u = URI.create(url);
    String host = IDN.toASCII(u.getHost().replace("[", "").replace("]", "")).toLowerCase(Locale.ROOT);
    boolean https = "https".equalsIgnoreCase(u.getScheme());
    int port = u.getPort() > 0 ? u.getPort() : https ? 443 : 80;
    String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    Buffer payload = Buffer.buffer(body.encode());
    return resolve(host).compose(address -> {
      if (address == null) {
        return Future.succeededFuture(result("failed", 0, null, "refused: " + host + " resolves to a private, "
            + "loopback or link-local address (allow it in rules.webhook-allowed-hosts)"));
      }
      Promise<JsonObject> done = Promise.promise();
      attempt(1, https, host, address, port, path, u.getHost(), secret, deliveryId, payload, done);
      return done.future();
    }, e -> Future.succeededFuture(result("failed", 0, null, "cannot resolve " + host + ": " + e.getMessage())));
  }

  void close() {
    client.close();
  }

  /** The address to call, or null when it is refused; fails when the name does not resolve. */
  private Future<InetAddress> resolve(String host) {
    boolean allowed = allowedHosts.contains(host);
    return vertx.executeBlocking(() -> {
      InetAddress literal = WebhookTargets.literal(host);
      if (!allowed && WebhookTargets.isLocalName(host)) {
        return null;
      }
      InetAddress[] all = literal != null ? new InetAddress[] {literal} : InetAddress.getAllByName(host);
      if (!allowed) {
        for (InetAddress a : all) {
          if (WebhookTargets.isPrivate(a)) {
            return null;
          }
        }
      }
      return all[0];
    }, false);
  }

  private void attempt(int n, boolean https, String host, InetAddress address, int port, String path,
      String hostHeader, String secret, String deliveryId, Buffer payload, Promise<JsonObject> done) {
    String ts = Long.toString(clock.instant().getEpochSecond());
    HttpRequest<Buffer> req = https
        ? client.request(HttpMethod.POST, port, host, path).ssl(true)
        : client.request(HttpMethod.POST, port, address.getHostAddress(), path)
            .putHeader("Host", hostHeader + (port == 80 ? "" : ":" + port));
    req.timeout(timeoutMs)
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Timestamp", ts)
        .putHeader("X-Signature", "sha256=" + sign(secret, ts, payload))
        .putHeader("X-Delivery-Id", deliveryId)
        .sendBuffer(payload)
        .onComplete(ar -> {
          HttpResponse<Buffer> r = ar.succeeded() ? ar.result() : null;
          if (r != null && r.statusCode() >= 200 && r.statusCode() < 300) {
            done.complete(result("done", n, r.statusCode(), "delivered"));
            return;
          }
          boolean retryable = r == null || r.statusCode() == 429 || r.statusCode() >= 500;
          String why = r == null ? String.valueOf(ar.cause().getMessage()) : "HTTP " + r.statusCode();
          if (!retryable || n >= maxAttempts) {
            done.complete(result("failed", n, r == null ? null : r.statusCode(), why));
            return;
          }
          long delay = retryBaseMs << Math.min(n - 1, 16);
          vertx.setTimer(delay, t -> attempt(n + 1, https, host, address, port, path, hostHeader, secret, deliveryId,
              payload, done));
        });
  }

  /** hex(HMAC-SHA256(secret, "<ts>.<body>")), the signature receivers check. */
  static String sign(String secret, String ts, Buffer body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((ts + ".").getBytes(StandardCharsets.US_ASCII));
      mac.update(body.getBytes());
      return HexFormat.of().formatHex(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject result(String status, int attempts, Integer http, String detail) {
    JsonObject o = new JsonObject().put("status", status).put("attempts", attempts).put("detail", detail);
    if (http != null) {
      o.put("http_status", http);
    }
    return o;
  }
}
