package io.supportpilot.knowledge;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The optional hosted embedder: Voyage AI's {@code POST /v1/embeddings} ({@code voyage-3} by default) at a
 * configurable base URL, with the key from {@code VOYAGE_API_KEY}. Batches of up to 128 texts per call.
 */
public final class VoyageEmbedder implements Embedder {

  private static final int BATCH = 128;

  private final WebClient client;
  private final String baseUrl;
  private final String model;
  private final String apiKey;
  private final long timeoutMs;

  /** A client for the given base URL, model and key. */
  public VoyageEmbedder(Vertx vertx, String baseUrl, String model, String apiKey, long timeoutMs) {
    this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("supportpilot"));
    this.baseUrl = baseUrl;
    this.model = model;
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public String model() {
    return model;
  }

  @Override
  public Future<List<float[]>> embedDocuments(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < texts.size(); from += BATCH) {
      List<String> slice = texts.subList(from, Math.min(texts.size(), from + BATCH));
      chain = chain.compose(v -> call(slice, "document").map(vs -> {
        out.addAll(vs);
        return null;
      }));
    }
    return chain.map(v -> out);
  }

  @Override
  public Future<float[]> embedQuery(String text) {
    return call(List.of(text), "query").map(l -> l.get(0));
  }

  private Future<List<float[]>> call(List<String> texts, String inputType) {
    JsonObject body = new JsonObject().put("input", new JsonArray(new ArrayList<>(texts))).put("model", model)
        .put("input_type", inputType);
    return client.postAbs(baseUrl + "/v1/embeddings")
        .putHeader("Authorization", "Bearer " + apiKey)
        .putHeader("Content-Type", "application/json")
        .timeout(timeoutMs)
        .sendJsonObject(body)
        .compose(resp -> parse(resp, texts.size()));
  }

  private static Future<List<float[]>> parse(HttpResponse<Buffer> resp, int expected) {
    if (resp.statusCode() != 200) {
      return Future.failedFuture(new HttpFailure(502, "embedding_failed", "Voyage answered HTTP " + resp.statusCode()));
    }
    JsonArray data = resp.bodyAsJsonObject().getJsonArray("data");
    if (data == null || data.size() != expected) {
      return Future.failedFuture(new HttpFailure(502, "embedding_failed", "Voyage returned "
          + (data == null ? "no" : data.size()) + " embeddings for " + expected + " inputs"));
    }
    float[][] out = new float[expected][];
    for (int i = 0; i < data.size(); i++) {
      JsonObject item = data.getJsonObject(i);
      JsonArray e = item.getJsonArray("embedding");
      float[] v = new float[e.size()];
      for (int j = 0; j < v.length; j++) {
        v[j] = e.getNumber(j).floatValue();
      }
      out[item.getInteger("index", i)] = Vectors.normalise(v);
    }
    return Future.succeededFuture(List.of(out));
  }
}
