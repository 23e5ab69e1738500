package io.supportpilot.knowledge;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default embedder: all-MiniLM-L6-v2 (quantized ONNX) from the langchain4j Maven artifact, offline, run in an
 * ONNX Runtime session of our own (thread count, no spinning) through langchain4j's BERT encoder. Inference
 * runs on Vert.x worker threads, never on an event loop.
 */
public final class LocalEmbedder implements Embedder {

  private static final Logger LOG = LoggerFactory.getLogger(LocalEmbedder.class);

  /** The model name stored with each vector. */
  public static final String MODEL = "all-minilm-l6-v2-q";

  private final Vertx vertx;
  private final AbstractInProcessEmbeddingModel model;

  /** Loads the model with one inference thread per call. */
  public LocalEmbedder(Vertx vertx) {
    this(vertx, 1);
  }

  /**
   * Loads the model (about a second; call from a worker or at start-up). {@code threads} is ONNX Runtime's intra-op
   * thread count for one embedding; its workers never spin while idle.
   */
  public LocalEmbedder(Vertx vertx, int threads) {
    this.vertx = vertx;
    this.model = load(threads);
  }

  private static AbstractInProcessEmbeddingModel load(int threads) {
    try (InputStream onnx = resource("all-minilm-l6-v2-q.onnx");
        InputStream tokenizer = resource("all-minilm-l6-v2-q-tokenizer.json")) {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      // One thread per embedding by default: on a small machine, concurrent triages and ingestion use the other
      // cores better than a second inference thread would, and idle workers must not spin (measured:
      // docs/knowledge-and-triage.md).
      options.setIntraOpNumThreads(threads);
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      OrtSession session = env.createSession(onnx.readAllBytes(), options);
      removeExtractedNativeLibraries();
      OnnxBertBiEncoder encoder = new OnnxBertBiEncoder(env, session, tokenizer, PoolingMode.MEAN);
      return new AbstractInProcessEmbeddingModel(Runnable::run) {
        @Override
        protected OnnxBertBiEncoder model() {
          return encoder;
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (OrtException e) {
      throw new IllegalStateException("cannot load the embedding model: " + e.getMessage(), e);
    }
  }

  /**
   * ONNX Runtime copies its native libraries into a new {@code onnxruntime-java*} folder under the temp directory on
   * every start and asks for the folder's deletion on exit before its files', so an empty folder stays behind for
   * every JVM (hundreds after a few test runs). The libraries are loaded by now, and a loaded library needs no file on
   * Linux: remove them now. Best effort: where the files cannot be removed (another OS), ONNX Runtime's own
   * deletion on exit still removes them.
   */
  static void removeExtractedNativeLibraries() {
    try {
      Field f = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
      f.setAccessible(true);
      Path dir = (Path) f.get(null);
      if (dir == null || !Files.isDirectory(dir)) {
        return;
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    } catch (ReflectiveOperationException | IOException | RuntimeException e) {
      LOG.debug("ONNX Runtime's extracted libraries stay until exit: {}", e.toString());
    }
  }

  private static InputStream resource(String name) {
    InputStream in = AllMiniLmL6V2QuantizedEmbeddingModel.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("the embedding model resource " + name + " is missing from the class path");
    }
    return in;
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
