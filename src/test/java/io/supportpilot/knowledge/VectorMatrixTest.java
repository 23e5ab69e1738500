package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class VectorMatrixTest {

  private static float[] unit(Random r, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Vectors.normalise(v);
  }

  @Test
  void blockedScanEqualsRowDotProducts() {
    // Verifies that the transposed block layout scores every row exactly like a plain dot product, across a
    // partial last block and owners with several rows (best row per owner).
    Random r = new Random(7);
    int dim = 37;
    Map<String, float[][]> vectors = new LinkedHashMap<>();
    int owners = VectorMatrix.BLOCK + 45;
    for (int o = 0; o < owners; o++) {
      vectors.put("o" + o, o % 3 == 0 ? new float[][] {unit(r, dim), unit(r, dim), null} : new float[][] {
          unit(r, dim)});
    }
    vectors.put("wrong-dimension", new float[][] {unit(r, dim + 1)});
    VectorMatrix m = VectorMatrix.build(vectors);
    float[] q = unit(r, dim);
    float[] best = m.maxPerOwner(q);
    assertEquals(owners, m.ownerIds.length);
    for (int o = 0; o < owners; o++) {
      double expected = Double.NEGATIVE_INFINITY;
      for (float[] v : vectors.get("o" + o)) {
        if (v != null) {
          expected = Math.max(expected, Vectors.dot(v, q));
        }
      }
      assertEquals(expected, best[m.ordinal("o" + o)], 1e-5);
    }
    assertEquals(-1, m.ordinal("wrong-dimension"));
    float[] zeros = m.scores(unit(r, dim + 2));
    assertEquals(0f, zeros[0]);
    assertEquals(0, VectorMatrix.EMPTY.maxPerOwner(q).length);
  }

  @Test
  void topReturnsTheHighestScores() {
    // Verifies the primitive top-k: the k highest indexes whatever the input order, and all when fewer than k.
    Random r = new Random(3);
    float[] scores = new float[1000];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = r.nextFloat();
    }
    int[] top = VectorMatrix.top(scores, 50);
    float[] sorted = scores.clone();
    Arrays.sort(sorted);
    float[] got = new float[top.length];
    for (int i = 0; i < top.length; i++) {
      got[i] = scores[top[i]];
    }
    Arrays.sort(got);
    assertArrayEquals(Arrays.copyOfRange(sorted, sorted.length - 50, sorted.length), got);
    assertEquals(3, VectorMatrix.top(new float[] {0.1f, 0.3f, 0.2f}, 50).length);
  }
}
