package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalEmbedderTest {

  @Test
  void theModelEmbedsOfflineAndLeavesNoExtractedLibrariesBehind() throws Exception {
    // Verifies the local model loads from the Maven artifact through our own ONNX Runtime session, gives stable unit
    // vectors that rank a paraphrase above an unrelated text, and that ONNX Runtime's temp folder is gone at once.
    Vertx vertx = Vertx.vertx();
    try {
      LocalEmbedder e = new LocalEmbedder(vertx, 1);
      Field f = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
      f.setAccessible(true);
      Path dir = (Path) f.get(null);
      assertNotNull(dir);
      assertFalse(Files.exists(dir), "ONNX Runtime's extracted libraries are still in " + dir);

      float[] a = e.embedQueryBlocking("My Exact Online connection expired, how do I reconnect?");
      float[] b = e.embedQueryBlocking("The link to Exact Online has lapsed: how to connect again");
      float[] c = e.embedQueryBlocking("Which countries are supported for invoices with VAT?");
      assertEquals(384, a.length);
      assertEquals(1.0, Math.sqrt(Vectors.dot(a, a)), 1e-4);
      assertArrayEquals(a, e.embedQueryBlocking("My Exact Online connection expired, how do I reconnect?"), 1e-6f);
      assertTrue(Vectors.dot(a, b) > Vectors.dot(a, c), "a paraphrase must be closer than an unrelated question");
    } finally {
      vertx.close().await();
    }
  }
}
