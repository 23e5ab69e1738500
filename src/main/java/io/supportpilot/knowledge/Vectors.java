package io.supportpilot.knowledge;

/** Small vector arithmetic for unit-length embeddings. */
public final class Vectors {

  private Vectors() {
  }

  /** Scales to unit length (a zero vector stays zero). */
  public static float[] normalise(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    if (s == 0) {
      return v;
    }
    float inv = (float) (1 / Math.sqrt(s));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * inv;
    }
    return out;
  }

  /** Dot product, the cosine for unit vectors; 0 when the dimensions differ. */
  public static double dot(float[] a, float[] b) {
    if (a == null || b == null || a.length != b.length) {
      return 0;
    }
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < a.length; i += 4) {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
    for (; i < a.length; i++) {
      s0 += a[i] * b[i];
    }
    return s0 + s1 + s2 + s3;
  }
}
