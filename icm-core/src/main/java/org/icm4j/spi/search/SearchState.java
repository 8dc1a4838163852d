package org.icm4j.spi.search;

/**
 * A labeling of one batch with its energy. Immutable; created only by a {@link SearchProblem}.
 * Thread-safe.
 */
public interface SearchState {

  /**
   * Label index of example {@code i}, {@code -1} when unlabelled.
   *
   * @param i the i
   * @return label index of example {@code i}, {@code -1} when unlabelled
   */
  int label(int i);

  /**
   * All label indices ({@code -1}: unlabelled), a fresh copy.
   *
   * @return all label indices ({@code -1}
   */
  int[] labels();

  /**
   * Number of labelled examples.
   *
   * @return number of labelled examples
   */
  int labelledCount();

  /**
   * U = alpha * mutualPredictability - inconsistency.
   *
   * @return U = alpha * mutualPredictability - inconsistency
   */
  double utility();

  /**
   * Mutual predictability P(D).
   *
   * @return mutual predictability P(D)
   */
  double mutualPredictability();

  /**
   * Inconsistency I(D): violated pairs and groups.
   *
   * @return inconsistency I(D)
   */
  int inconsistency();
}
