package io.supportpilot.spike;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** The benchmark programs' SSE client of {@code /api/admin/spikes/stream}: reports each {@code spike.started} frame. */
final class SpikeStreamReader {

  /** Receives the error type of a {@code spike.started} frame (null when not parsed) and when it arrived. */
  interface Sink {
    void started(String type, long nanoTime);
  }

  private SpikeStreamReader() {
  }

  /**
   * Opens the stream with the admin token; completes once it answered 200. With {@code parse} each frame's JSON
   * is read for its error type; without, frames are only counted (cheap, for many subscribers).
   */
  static Future<Void> subscribe(HttpClient http, String token, boolean parse, Sink sink) {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/admin/spikes/stream")
        .putHeader("Authorization", "Bearer " + token)).compose(req -> req.send()).map(resp -> {
          if (resp.statusCode() != 200) {
            throw new IllegalStateException("stream answered " + resp.statusCode());
          }
          StringBuilder pending = new StringBuilder();
          resp.handler(buf -> {
            long at = System.nanoTime();
            if (!parse) {
              String s = buf.toString();
              int idx = 0;
              while ((idx = s.indexOf("event: spike.started", idx)) >= 0) {
                sink.started(null, at);
                idx++;
              }
              return;
            }
            pending.append(buf.toString());
            int cut;
            while ((cut = pending.indexOf("\n\n")) >= 0) {
              String frame = pending.substring(0, cut);
              pending.delete(0, cut + 2);
              if (frame.contains("event: spike.started")) {
                String data = frame.substring(frame.indexOf("data: ") + 6);
                sink.started(new JsonObject(data).getString("error_type"), at);
              }
            }
          });
          return null;
        });
  }
}
