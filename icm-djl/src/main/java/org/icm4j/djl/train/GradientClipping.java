package org.icm4j.djl.train;

import static java.util.Objects.requireNonNull;

/**
 * Global-norm gradient clipping, as in most transformer training (DJL's {@code optClipGrad}
 * clamps each value instead). Stateless and thread-safe.
 */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * Scales all gradients by one factor so that their global L2 norm (the root of the sum of
   * squares of every element of every array) is at most {@code maxNorm}: when the norm {@code n}
   * exceeds it, every element is multiplied by {@code maxNorm / n}; otherwise nothing changes.
   *
   * @param gradients the gradients, changed in place
   * @param maxNorm the largest norm allowed, > 0 (infinite: no clipping)
   * @return the norm before clipping
   */
  public static double clipGlobalNorm(float[][] gradients, double maxNorm) {
    requireNonNull(gradients, "gradients");
    if (!(maxNorm > 0)) {
      throw new IllegalArgumentException("maxNorm must be > 0, but was " + maxNorm);
    }
    double sum = 0;
    for (float[] g : gradients) {
      for (float x : g) {
        sum += (double) x * x;
      }
    }
    double norm = Math.sqrt(sum);
    if (norm > maxNorm && Double.isFinite(norm)) {
      double scale = maxNorm / norm;
      for (float[] g : gradients) {
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) (g[i] * scale);
        }
      }
    }
    return norm;
  }
}
