package io.supportpilot.triage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The learned part of the router: a multinomial logistic regression over {@link RouterFeatures} that gives the
 * probability of each route (auto-respond, suggest, escalate to a person, escalate to DevOps). Its weights are
 * trained by {@code scripts/train-router.sh} ({@code RouterTrainer} in {@code benchmarks/tools}, not in the engine)
 * on the desk's labelled history and shipped as {@code triage/router-model.json}; nothing is learned at start-up. The
 * sentence-embedding weights only apply when the engine embeds with the model they were trained with; otherwise the
 * embedding counts as average.
 */
public final class RouterModel {

  /** The classes, in the order of {@link #probabilities}. */
  public static final List<String> CLASSES = List.of("auto_respond", "suggest_articles", "escalate_human",
      "escalate_devops");
  /** The top-article model uses the first this many dense features (retrieval evidence and the question's size). */
  public static final int TOP_FEATURES = 21;
  /** The shipped model's class-path resource. */
  public static final String RESOURCE = "triage/router-model.json";

  private final String embeddingModel;
  private final int embeddingDims;
  private final int hashDims;
  private final double[] mean;
  private final double[] scale;
  private final double[][] weights;
  private final double[] bias;
  private final double[] topMean;
  private final double[] topScale;
  private final double[][] topWeights;
  private final double[] topBias;
  private final double atSuggest;
  private final double atAuto;
  private final JsonObject info;

  /** A model from its JSON form (see {@link #toJson}). */
  public RouterModel(JsonObject json) {
    this.embeddingModel = json.getString("embedding_model");
    this.embeddingDims = json.getInteger("embedding_dims");
    this.hashDims = json.getInteger("hash_dims");
    this.mean = doubles(json.getJsonArray("mean"));
    this.scale = doubles(json.getJsonArray("scale"));
    JsonArray w = json.getJsonArray("weights");
    this.weights = new double[w.size()][];
    for (int k = 0; k < w.size(); k++) {
      weights[k] = doubles(w.getJsonArray(k));
    }
    this.bias = doubles(json.getJsonArray("bias"));
    JsonObject top = json.getJsonObject("top_article");
    this.topMean = doubles(top.getJsonArray("mean"));
    this.topScale = doubles(top.getJsonArray("scale"));
    JsonArray tw = top.getJsonArray("weights");
    this.topWeights = new double[][] {doubles(tw.getJsonArray(0)), doubles(tw.getJsonArray(1))};
    this.topBias = doubles(top.getJsonArray("bias"));
    this.atSuggest = json.getDouble("answerability_at_suggest");
    this.atAuto = json.getDouble("answerability_at_auto");
    this.info = json.getJsonObject("training", new JsonObject());
    int expected = mean.length + hashDims;
    if (mean.length != RouterFeatures.DENSE_NAMES.size() + embeddingDims || weights.length != CLASSES.size()
        || weights[0].length != expected) {
      throw new IllegalStateException("the router model does not fit this version's features (retrain it)");
    }
  }

  /** The shipped model. */
  public static RouterModel shipped() {
    try (InputStream in = RouterModel.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the router model " + RESOURCE + " is missing from the class path");
      }
      return new RouterModel(new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The serialised form written by the trainer. */
  public static JsonObject toJson(String embeddingModel, int embeddingDims, int hashDims, double[] mean,
      double[] scale, double[][] weights, double[] bias, double[] topMean, double[] topScale, double[][] topWeights,
      double[] topBias, double atSuggest, double atAuto, JsonObject training) {
    JsonArray w = new JsonArray();
    for (double[] row : weights) {
      w.add(array(row));
    }
    JsonArray tw = new JsonArray();
    for (double[] row : topWeights) {
      tw.add(array(row));
    }
    JsonObject top = new JsonObject().put("features", topFeatureNames())
        .put("mean", array(topMean)).put("scale", array(topScale)).put("bias", array(topBias)).put("weights", tw);
    return new JsonObject().put("format", 1).put("classes", new JsonArray(CLASSES))
        .put("embedding_model", embeddingModel).put("embedding_dims", embeddingDims).put("hash_dims", hashDims)
        .put("dense_names", new JsonArray(RouterFeatures.DENSE_NAMES)).put("answerability_at_suggest", atSuggest).put("answerability_at_auto", atAuto)
        .put("training", training).put("top_article", top).put("mean", array(mean)).put("scale", array(scale)).put("bias", array(bias))
        .put("weights", w);
  }

  private static JsonArray topFeatureNames() {
    return new JsonArray(new ArrayList<>(RouterFeatures.DENSE_NAMES.subList(0, TOP_FEATURES)));
  }

  /** n-gram hash buckets the model was trained with. */
  public int hashDims() {
    return hashDims;
  }

  /** The answerability that lands on the suggest bar (see {@link RoutePolicy#semantic}). */
  public double atSuggest() {
    return atSuggest;
  }

  /** The answerability that lands on the auto-respond bar. */
  public double atAuto() {
    return atAuto;
  }

  /** How the model was trained (data, sizes, cross-validated figures). */
  public JsonObject info() {
    return info;
  }

  /** Whether embeddings of this model can be used as features. */
  public boolean usesEmbedding(String model, float[] vector) {
    return vector != null && vector.length == embeddingDims && embeddingModel.equals(model);
  }

  /** The probability of each of {@link #CLASSES}. */
  public double[] probabilities(RouterFeatures.Vector v, boolean withEmbedding) {
    double[] x = standardise(v, withEmbedding, mean, scale, embeddingDims);
    return softmax(scores(x, v.buckets(), v.values(), weights, bias));
  }

  /**
   * How the parts of a question's features move the log-odds of class {@code k} over class {@code base}: index 0 the
   * biases, 1 the sentence embedding, 2 the hashed words, then each dense feature in {@link RouterFeatures#DENSE_NAMES}
   * order. They add up to the difference of the two classes' scores. For diagnosis ({@code RouterExplain}).
   */
  double[] logOddsParts(RouterFeatures.Vector v, int k, int base) {
    double[] x = standardise(v, true, mean, scale, embeddingDims);
    int nd = v.dense().length;
    double[] out = new double[3 + nd];
    out[0] = bias[k] - bias[base];
    for (int i = 0; i < x.length; i++) {
      double c = (weights[k][i] - weights[base][i]) * x[i];
      out[i < nd ? 3 + i : 1] += c;
    }
    for (int j = 0; j < v.buckets().length; j++) {
      int b = x.length + v.buckets()[j];
      out[2] += (weights[k][b] - weights[base][b]) * v.values()[j];
    }
    return out;
  }

  /** The probability that the best article is the one that answers the question. */
  public double topCorrect(RouterFeatures.Vector v) {
    return topCorrect(topInputs(v), topMean, topScale, topWeights, topBias);
  }

  /** The top-article model's raw inputs (see {@link #TOP_FEATURES}). */
  static double[] topInputs(RouterFeatures.Vector v) {
    return Arrays.copyOf(v.dense(), TOP_FEATURES);
  }

  static double topCorrect(double[] inputs, double[] mean, double[] scale, double[][] w, double[] b) {
    double[] x = new double[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      x[i] = (inputs[i] - mean[i]) / scale[i];
    }
    return softmax(scores(x, new int[0], new double[0], w, b))[1];
  }

  /** The standardised dense part (an unusable embedding counts as the training mean). */
  static double[] standardise(RouterFeatures.Vector v, boolean withEmbedding, double[] mean, double[] scale,
      int embeddingDims) {
    int nd = v.dense().length;
    double[] x = new double[nd + embeddingDims];
    for (int i = 0; i < nd; i++) {
      x[i] = (v.dense()[i] - mean[i]) / scale[i];
    }
    if (withEmbedding && v.embedding() != null && v.embedding().length == embeddingDims) {
      for (int i = 0; i < embeddingDims; i++) {
        x[nd + i] = (v.embedding()[i] - mean[nd + i]) / scale[nd + i];
      }
    }
    return x;
  }

  static double[] scores(double[] x, int[] buckets, double[] values, double[][] weights, double[] bias) {
    double[] s = new double[weights.length];
    for (int k = 0; k < weights.length; k++) {
      double[] w = weights[k];
      double z = bias[k];
      for (int i = 0; i < x.length; i++) {
        z += w[i] * x[i];
      }
      for (int j = 0; j < buckets.length; j++) {
        z += w[x.length + buckets[j]] * values[j];
      }
      s[k] = z;
    }
    return s;
  }

  static double[] softmax(double[] s) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : s) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] p = new double[s.length];
    for (int k = 0; k < s.length; k++) {
      p[k] = Math.exp(s[k] - max);
      sum += p[k];
    }
    for (int k = 0; k < s.length; k++) {
      p[k] /= sum;
    }
    return p;
  }

  private static double[] doubles(JsonArray a) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) a.getValue(i)).doubleValue();
    }
    return out;
  }

  private static JsonArray array(double[] a) {
    JsonArray out = new JsonArray();
    for (double d : a) {
      out.add(Math.round(d * 1e6) / 1e6);
    }
    return out;
  }
}
