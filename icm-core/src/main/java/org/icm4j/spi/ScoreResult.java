package org.icm4j.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A scorer's answer to a batch of requests. Immutable and thread-safe (arrays are copied in and
 * out).
 *
 * @param logProbs one array per request, in request order, with one log-probability per label of
 *     the label space (in its order). Values must be finite. They need not be normalized over the
 *     label space (e.g. log-probabilities of label tokens under a full vocabulary).
 * @param tokens token-forwards the scorer spent, as it counts them (0 when it does not count)
 */
public record ScoreResult(List<double[]> logProbs, long tokens) {
  /**
   * Checks the components and copies the collections.
   *
   * @param logProbs one array per request, in request order, with one log-probability per label of
   *     the label space (in its order). Values must be finite. They need not be normalized over the
   *     label space (e.g. log-probabilities of label tokens under a full vocabulary).
   * @param tokens token-forwards the scorer spent, as it counts them (0 when it does not count)
   */
  public ScoreResult {
    requireNonNull(logProbs, "logProbs");
    checkArgument(tokens >= 0, "tokens must be >= 0, but was %s", tokens);
    List<double[]> copy = new ArrayList<>(logProbs.size());
    for (double[] row : logProbs) {
      copy.add(requireNonNull(row, "logProbs row").clone());
    }
    logProbs = Collections.unmodifiableList(copy);
  }

  /**
   * A result that reports no token count.
   *
   * @param logProbs the log probs
   * @return A result that reports no token count
   */
  public static ScoreResult of(List<double[]> logProbs) {
    return new ScoreResult(logProbs, 0);
  }

  /**
   * The log-probabilities of request {@code i} (a copy).
   *
   * @param i the i
   * @return the log-probabilities of request {@code i} (a copy)
   */
  public double[] row(int i) {
    return logProbs.get(i).clone();
  }

  /**
   * Number of rows.
   *
   * @return number of rows
   */
  public int size() {
    return logProbs.size();
  }
}
