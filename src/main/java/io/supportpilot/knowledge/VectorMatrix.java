package io.supportpilot.knowledge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable matrix of unit vectors with the owner of each row (an owner may have several rows) for the
 * brute-force exact nearest-neighbour search; rebuilt on writes, shared lock-free by readers.
 *
 * <p>Rows are stored in blocks of {@link #BLOCK} rows, each block transposed into one array per dimension, so that
 * scoring a query is a sequence of {@code scores[i] += column[i] * q[j]} loops: no reduction and the same index in
 * both arrays, which the JIT compiles to SIMD instructions (about four times faster here than a row-wise dot
 * product, which it cannot vectorise).
 */
final class VectorMatrix {

  static final VectorMatrix EMPTY = new VectorMatrix(new String[0], new int[0], new String[0], new float[0][][], 0);

  /** Rows per transposed block: the block's scores (1 KB) stay in the L1 cache while its columns stream by. */
  static final int BLOCK = 256;

  /** The owner id of every row. */
  final String[] owners;
  /** The owner ordinal of every row (an index into {@link #ownerIds}). */
  final int[] ownerOf;
  /** The distinct owners, in order of first row. */
  final String[] ownerIds;
  private final float[][][] blocks;
  final int dim;
  private final Map<String, Integer> ordinals;

  private VectorMatrix(String[] owners, int[] ownerOf, String[] ownerIds, float[][][] blocks, int dim) {
    this.owners = owners;
    this.ownerOf = ownerOf;
    this.ownerIds = ownerIds;
    this.blocks = blocks;
    this.dim = dim;
    Map<String, Integer> o = new HashMap<>(ownerIds.length * 2);
    for (int i = 0; i < ownerIds.length; i++) {
      o.put(ownerIds[i], i);
    }
    this.ordinals = o;
  }

  /** Builds from owner ids and their vectors; vectors of another dimension than the first are skipped. */
  static VectorMatrix build(Map<String, float[][]> vectors) {
    int dim = 0;
    List<String> owners = new ArrayList<>();
    List<float[]> rows = new ArrayList<>();
    Map<String, Integer> ordinals = new HashMap<>();
    List<String> ids = new ArrayList<>();
    List<Integer> ownerOf = new ArrayList<>();
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
          ownerOf.add(ordinals.computeIfAbsent(e.getKey(), k -> {
            ids.add(k);
            return ids.size() - 1;
          }));
        }
      }
    }
    int n = rows.size();
    int blockCount = (n + BLOCK - 1) / BLOCK;
    float[][][] blocks = new float[blockCount][dim][BLOCK];
    for (int r = 0; r < n; r++) {
      float[] v = rows.get(r);
      float[][] block = blocks[r / BLOCK];
      int i = r % BLOCK;
      for (int j = 0; j < dim; j++) {
        block[j][i] = v[j];
      }
    }
    int[] of = new int[n];
    for (int i = 0; i < n; i++) {
      of[i] = ownerOf.get(i);
    }
    return new VectorMatrix(owners.toArray(new String[0]), of, ids.toArray(new String[0]), blocks, dim);
  }

  /** The row count. */
  int rows() {
    return owners.length;
  }

  /** The ordinal of an owner, or -1 when it has no rows. */
  int ordinal(String owner) {
    Integer o = ordinals.get(owner);
    return o == null ? -1 : o;
  }

  /** The dot product of every row with {@code q} (all 0 when the dimensions differ). */
  float[] scores(float[] q) {
    int n = owners.length;
    float[] out = new float[n];
    if (q.length != dim || n == 0) {
      return out;
    }
    float[] acc = new float[BLOCK];
    for (int b = 0, start = 0; start < n; b++, start += BLOCK) {
      Arrays.fill(acc, 0);
      float[][] block = blocks[b];
      for (int j = 0; j < dim; j++) {
        axpy(acc, block[j], q[j]);
      }
      System.arraycopy(acc, 0, out, start, Math.min(BLOCK, n - start));
    }
    return out;
  }

  /** {@code acc += column * x}, element by element (vectorised by the JIT). */
  private static void axpy(float[] acc, float[] column, float x) {
    for (int i = 0; i < column.length; i++) {
      acc[i] += column[i] * x;
    }
  }

  /** The best dot product of each owner's rows with {@code q}, indexed like {@link #ownerIds}. */
  float[] maxPerOwner(float[] q) {
    float[] rowScores = scores(q);
    if (ownerIds.length == rowScores.length) {
      return rowScores;
    }
    float[] best = new float[ownerIds.length];
    Arrays.fill(best, Float.NEGATIVE_INFINITY);
    for (int r = 0; r < rowScores.length; r++) {
      int o = ownerOf[r];
      if (rowScores[r] > best[o]) {
        best[o] = rowScores[r];
      }
    }
    return best;
  }

  /** The indexes of the {@code k} highest scores (unordered), with a bounded min-heap of indexes. */
  static int[] top(float[] scores, int k) {
    int n = Math.min(k, scores.length);
    int[] heap = new int[n];
    int size = 0;
    for (int i = 0; i < scores.length; i++) {
      if (size < n) {
        heap[size] = i;
        int c = size++;
        while (c > 0) {
          int p = (c - 1) >>> 1;
          if (scores[heap[p]] <= scores[heap[c]]) {
            break;
          }
          int t = heap[p];
          heap[p] = heap[c];
          heap[c] = t;
          c = p;
        }
      } else if (n > 0 && scores[i] > scores[heap[0]]) {
        heap[0] = i;
        int c = 0;
        while (true) {
          int l = 2 * c + 1;
          if (l >= n) {
            break;
          }
          int m = l + 1 < n && scores[heap[l + 1]] < scores[heap[l]] ? l + 1 : l;
          if (scores[heap[c]] <= scores[heap[m]]) {
            break;
          }
          int t = heap[m];
          heap[m] = heap[c];
          heap[c] = t;
          c = m;
        }
      }
    }
    return heap;
  }
}
