package io.supportpilot.knowledge;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * The default embedder: all-MiniLM-L6-v2 (quantized ONNX) from the langchain4j Maven artifact, offline. Inference
 * runs on Vert.x worker threads, never on an event loop.
 */
public final class LocalEmbedder implements Embedder {

  /** The model name stored with each vector. */
  public static final String MODEL = "all-minilm-l6-v2-q";

  private final Vertx vertx;
  private final AllMiniLmL6V2QuantizedEmbeddingModel model;

  /** Loads the model (about a second; call from a worker or at start-up). */
  public LocalEmbedder(Vertx vertx) {
    this.vertx = vertx;
    this.model = new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
  }

  @Override
  public String model() {
    return MODEL;
  }

  @Override
  public Future<List<float[]>> embedDocuments(List<String> texts) {
    return vertx.executeBlocking(() -> {
      List<float[]> out = new ArrayList<>(texts.size());
      for (String t : texts) {
        out.add(embedQueryBlocking(t));
      }
      return out;
    }, false);
  }

  @Override
  public Future<float[]> embedQuery(String text) {
    return vertx.executeBlocking(() -> embedQueryBlocking(text), false);
  }

  /** Embeds on the calling thread, which must not be an event loop (benchmarks, blocking steps). */
  public float[] embedQueryBlocking(String text) {
    return Vectors.normalise(model.embed(TextSegment.from(text.isBlank() ? "-" : text)).content().vector());
  }
}
