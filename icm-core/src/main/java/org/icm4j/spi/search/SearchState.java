package org.icm4j.spi.search;

/**
 * A labeling of one batch with its energy. Immutable; created only by a {@link SearchProblem}.
 * Thread-safe.
 */
public interface SearchState {

  /** Label index of example {@code i}, {@code -1} when unlabelled. */
  int label(int i);

  /** All label indices ({@code -1}: unlabelled), a fresh copy. */
  int[] labels();

  /** Number of labelled examples. */
  int labelledCount();

  /** U = alpha * mutualPredictability - inconsistency. */
  double utility();

  /** Mutual predictability P(D). */
  double mutualPredictability();

  /** Inconsistency I(D): violated pairs and groups. */
  int inconsistency();
}
