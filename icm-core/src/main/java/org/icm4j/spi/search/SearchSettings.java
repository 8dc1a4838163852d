package org.icm4j.spi.search;

import static java.util.Objects.requireNonNull;

import org.icm4j.MutualPredictability;

/**
 * The run's settings every search strategy reads, validated by {@link org.icm4j.Icm.Builder}; a
 * strategy's own settings are fields of the strategy (as {@link org.icm4j.search.AnnealingSearch}'s
 * iterations). Immutable and thread-safe.
 *
 * @param initialLabels K, examples labelled at the start (the annealing's random seed labels; the
 *     default search's smallest seed)
 * @param alpha weight of mutual predictability in U
 * @param measure how mutual predictability is computed
 */
public record SearchSettings(int initialLabels, double alpha, MutualPredictability measure) {
  /**
   * Checks the components and copies the collections.
   *
   * @param initialLabels K, examples labelled at the start (the annealing's random seed labels; the
   *     default search's smallest seed)
   * @param alpha weight of mutual predictability in U
   * @param measure how mutual predictability is computed
   */
  public SearchSettings {
    requireNonNull(measure, "measure");
  }
}
