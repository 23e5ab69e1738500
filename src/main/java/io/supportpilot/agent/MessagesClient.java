package io.supportpilot.agent;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends one HTTP request to the Messages API ({@code POST /v1/messages} over vertx-web-client), has
 * {@link ReplyReader} read what came back and {@link CallRecorder} record it, timed.
 */
final class MessagesClient {

  private final AgentConfig.Anthropic cfg;
  private final CallRecorder recorder;
  private final WebClient client;
  private final AtomicLong httpRequests = new AtomicLong();

  MessagesClient(Vertx vertx, AgentConfig.Anthropic cfg, CallRecorder recorder) {
    this.cfg = cfg;
    this.recorder = recorder;
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout((int) Math.min(10_000, cfg.requestTimeout().toMillis())).setUserAgent("supportpilot"),
        new PoolOptions().setHttp1MaxSize(Math.max(4, cfg.maxConcurrent())));
  }

  /** HTTP requests sent since start (every attempt). */
  long httpRequests() {
    return httpRequests.get();
  }

  /** Closes the web client. */
  void close() {
    client.close();
  }

  /** Sends {@code body} once; the reply, or a future failed with the {@link CallFailure} that ended the call. */
  Future<ClaudeReply> call(JsonObject body, String conversationId, String purpose) {
    long start = System.nanoTime();
    httpRequests.incrementAndGet();
    return client.postAbs(cfg.baseUrl() + "/v1/messages")
        .putHeader("x-api-key", cfg.apiKey().orElse(""))
        .putHeader("anthropic-version", cfg.version())
        .putHeader("content-type", "application/json")
        .timeout(cfg.requestTimeout().toMillis())
        .sendBuffer(body.toBuffer())
        .transform(ar -> {
          long nanos = System.nanoTime() - start;
          if (ar.failed()) {
            return recorder.record(Future.failedFuture(ReplyReader.unanswered(ar.cause())), null, nanos,
                conversationId, purpose);
          }
          return recorder.record(ReplyReader.read(ar.result()), ar.result().statusCode(), nanos, conversationId,
              purpose);
        });
  }
}
