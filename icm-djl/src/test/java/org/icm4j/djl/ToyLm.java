package org.icm4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * A tiny deterministic causal model for fast tests of {@link DjlScorer}: the hidden state of a
 * token is its embedding plus a position-weighted running sum of all tokens so far, so the logits
 * depend on every earlier token and on their order. With {@code reuse} its cache is the running
 * sum (like keys and values); without, the cache is the token ids and the whole sequence is read
 * again. Not thread-safe.
 */
final class ToyLm implements CausalLm {
  private final int vocab;
  private final int dim;
  private final int maxLength;
  private final boolean reuse;
  private final float[][] embed;
  private final float[][] out;

  ToyLm(int vocab, int dim, int maxLength, boolean reuse, long seed) {
    this.vocab = vocab;
    this.dim = dim;
    this.maxLength = maxLength;
    this.reuse = reuse;
    SplittableRandom rng = new SplittableRandom(seed);
    embed = new float[vocab][dim];
    out = new float[vocab][dim];
    for (int v = 0; v < vocab; v++) {
      for (int k = 0; k < dim; k++) {
        embed[v][k] = (float) rng.nextGaussian();
        out[v][k] = (float) rng.nextGaussian();
      }
    }
  }

  private static float weight(int position) {
    return (float) (1 + 0.5 * Math.sin(0.7 * position));
  }

  @Override
  public ai.djl.Device device() {
    return ai.djl.Device.cpu();
  }

  @Override
  public int vocabularySize() {
    return vocab;
  }

  @Override
  public int maxLength() {
    return maxLength;
  }

  @Override
  public boolean reusesKeysAndValues() {
    return reuse;
  }

  @Override
  public Step forward(NDManager manager, long[] tokens, @Nullable KvCache cache) {
    int start = cache == null ? 0 : cache.length();
    if (start + tokens.length > maxLength) {
      throw new IllegalArgumentException("too long: " + (start + tokens.length));
    }
    if (!reuse) {
      long[] all = new long[start + tokens.length];
      if (cache != null) {
        long[] old = cache.arrays().get(0).toLongArray();
        System.arraycopy(old, 0, all, 0, start);
      }
      System.arraycopy(tokens, 0, all, start, tokens.length);
      float[] sum = new float[dim];
      float[][] logits = run(all, 0, sum);
      float[][] last = new float[tokens.length][];
      System.arraycopy(logits, start, last, 0, tokens.length);
      return new Step(toArray(manager, last), new KvCache(new NDList(manager.create(all)), all.length));
    }
    float[] sum = cache == null ? new float[dim] : cache.arrays().get(0).toFloatArray();
    float[][] logits = run(tokens, start, sum);
    return new Step(
        toArray(manager, logits),
        new KvCache(new NDList(manager.create(sum)), start + tokens.length));
  }

  /** Runs tokens starting at {@code start}, updating {@code sum} in place. */
  private float[][] run(long[] tokens, int start, float[] sum) {
    float[][] logits = new float[tokens.length][vocab];
    for (int t = 0; t < tokens.length; t++) {
      float[] e = embed[(int) tokens[t]];
      float w = weight(start + t);
      float[] h = new float[dim];
      for (int k = 0; k < dim; k++) {
        sum[k] += w * e[k];
        h[k] = e[k] + sum[k] / (start + t + 1);
      }
      for (int v = 0; v < vocab; v++) {
        double dot = 0;
        for (int k = 0; k < dim; k++) {
          dot += h[k] * out[v][k];
        }
        logits[t][v] = (float) dot;
      }
    }
    return logits;
  }

  private NDArray toArray(NDManager manager, float[][] rows) {
    float[] flat = new float[rows.length * vocab];
    for (int t = 0; t < rows.length; t++) {
      System.arraycopy(rows[t], 0, flat, t * vocab, vocab);
    }
    return manager.create(flat, new Shape(rows.length, vocab)).toType(DataType.FLOAT32, false);
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "ToyLm(reuse=" + reuse + ")";
  }
}
