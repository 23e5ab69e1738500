package io.supportpilot.spike;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts admin notifications to a Slack incoming webhook ({@code {"text": ...}}, expecting 200). Failures are
 * logged (without the webhook URL, which is a secret) and never fail the caller.
 */
public final class SlackNotifier {

  private static final Logger LOG = LoggerFactory.getLogger(SlackNotifier.class);

  private final WebClient client;
  private final Optional<URI> url;

  /** A notifier posting to the webhook URL, if any, through the given client. */
  public SlackNotifier(WebClient client, Optional<URI> url) {
    this.client = client;
    this.url = url;
  }

  /** True when a webhook URL is configured. */
  public boolean enabled() {
    return url.isPresent();
  }

  /** Posts a message; completes with true when Slack answered 2xx, false when not configured or it failed. */
  public Future<Boolean> post(String text) {
    if (url.isEmpty()) {
      return Future.succeededFuture(false);
    }
    URI u = url.get();
    boolean tls = "https".equals(u.getScheme());
    int port = u.getPort() > 0 ? u.getPort() : tls ? 443 : 80;
    String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    return client.post(port, u.getHost(), path).ssl(tls).timeout(10_000)
        .sendJsonObject(new JsonObject().put("text", text))
        .map(r -> {
          if (r.statusCode() / 100 != 2) {
            LOG.warn("Slack webhook answered {}: notification not delivered", r.statusCode());
            return false;
          }
          return true;
        })
        .recover(e -> {
          LOG.warn("Slack webhook failed: {}", e.getClass().getSimpleName());
          return Future.succeededFuture(false);
        });
  }
}
