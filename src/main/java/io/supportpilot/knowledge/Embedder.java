package io.supportpilot.knowledge;

import io.vertx.core.Future;
import java.util.List;

/** Turns texts into unit-length sentence vectors; never blocks the caller. */
public interface Embedder {

  /** The model name stored with each vector (a model change recomputes every vector). */
  String model();

  /** Embeds documents (articles, conversations) in order. */
  Future<List<float[]>> embedDocuments(List<String> texts);

  /** Embeds a search query. */
  Future<float[]> embedQuery(String text);
}
