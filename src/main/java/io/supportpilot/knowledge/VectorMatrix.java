package io.supportpilot.knowledge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An immutable row-major matrix of unit vectors with the owner id of each row, scanned in one tight loop (the
 * brute-force exact nearest-neighbour search; rebuilt on writes, shared lock-free by readers).
 */
final class VectorMatrix {

  static final VectorMatrix EMPTY = new VectorMatrix(new String[0], new float[0], 0);

  final String[] owners;
  final float[] data;
  final int dim;

  private VectorMatrix(String[] owners, float[] data, int dim) {
    this.owners = owners;
    this.data = data;
    this.dim = dim;
  }

  /** Builds from owner ids and their vectors; vectors of another dimension than the first are skipped. */
  static VectorMatrix build(Map<String, float[][]> vectors) {
    int dim = 0;
    List<String> owners = new ArrayList<>();
    List<float[]> rows = new ArrayList<>();
    for (Map.Entry<String, float[][]> e : vectors.entrySet()) {
      for (float[] v : e.getValue()) {
        if (v == null) {
          continue;
        }
        if (dim == 0) {
          dim = v.length;
        }
        if (v.length == dim) {
          owners.add(e.getKey());
          rows.add(v);
        }
      }
    }
    float[] data = new float[rows.size() * dim];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, data, i * dim, dim);
    }
    return new VectorMatrix(owners.toArray(new String[0]), data, dim);
  }

  /** The row count. */
  int rows() {
    return owners.length;
  }

  /** Dot product of row {@code r} with {@code q} (0 when the dimensions differ). */
  double dot(int r, float[] q) {
    if (q.length != dim) {
      return 0;
    }
    int off = r * dim;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < dim; i += 4) {
      s0 += data[off + i] * q[i];
      s1 += data[off + i + 1] * q[i + 1];
      s2 += data[off + i + 2] * q[i + 2];
      s3 += data[off + i + 3] * q[i + 3];
    }
    for (; i < dim; i++) {
      s0 += data[off + i] * q[i];
    }
    return s0 + s1 + s2 + s3;
  }
}
