package org.icm4j.spi.search;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.result.IterationRecord;

/**
 * The part of a chain's state that a strategy saves; the engine adds the random generator's state
 * and the scorer counters. Immutable (arrays copied) and thread-safe.
 *
 * @param iteration iterations completed
 * @param accepted accepted moves so far
 * @param labels current label indices ({@code -1}: unlabelled)
 * @param mutualPredictability P of the current labeling (so that restoring does not rescore)
 * @param history the iterations so far
 * @param bestLabels the best labeling visited so far (empty when the strategy does not keep one)
 * @param bestMutualPredictability P of {@code bestLabels}
 * @param saved further labelings a strategy needs to resume (for a multi-start search: where each
 *     finished start ended), restored with {@link SearchProblem#restore} without calling the scorer
 */
public record ChainCheckpoint(
    int iteration,
    int accepted,
    int[] labels,
    double mutualPredictability,
    List<IterationRecord> history,
    int[] bestLabels,
    double bestMutualPredictability,
    List<Saved> saved) {
  /**
   * Checks the components and copies the collections.
   *
   * @param iteration iterations completed
   * @param accepted accepted moves so far
   * @param labels current label indices ({@code -1}: unlabelled)
   * @param mutualPredictability P of the current labeling (so that restoring does not rescore)
   * @param history the iterations so far
   * @param bestLabels the best labeling visited so far (empty when the strategy does not keep one)
   * @param bestMutualPredictability P of {@code bestLabels}
   * @param saved further labelings a strategy needs to resume (for a multi-start search: where each
   *     finished start ended), restored with {@link SearchProblem#restore} without calling the scorer
   */
  public ChainCheckpoint {
    labels = requireNonNull(labels, "labels").clone();
    history = List.copyOf(requireNonNull(history, "history"));
    bestLabels = requireNonNull(bestLabels, "bestLabels").clone();
    saved = List.copyOf(requireNonNull(saved, "saved"));
  }

  /**
   * A saved labeling with its P. Immutable (array copied) and thread-safe.
   *
   * @param labels label indices ({@code -1}: unlabelled)
   * @param mutualPredictability P of {@code labels}
   */
  public record Saved(int[] labels, double mutualPredictability) {
    /**
     * Checks the components and copies the collections.
     *
     * @param labels current label indices ({@code -1}: unlabelled)
     * @param mutualPredictability P of the current labeling (so that restoring does not rescore)
     */
    public Saved {
      labels = requireNonNull(labels, "labels").clone();
    }

    /**
     * A copy of the {@code labels} component.
     *
     * @return a copy of the {@code labels} component
     */
    @Override
    public int[] labels() {
      return labels.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Saved s
          && java.util.Arrays.equals(labels, s.labels)
          && Double.compare(mutualPredictability, s.mutualPredictability) == 0;
    }

    @Override
    public int hashCode() {
      return 31 * java.util.Arrays.hashCode(labels) + Double.hashCode(mutualPredictability);
    }

    @Override
    public String toString() {
      return "Saved" + java.util.Arrays.toString(labels) + " P " + mutualPredictability;
    }
  }

  /**
   * A checkpoint with a best labeling and nothing else saved.
   *
   * @param iteration the iteration
   * @param accepted the accepted
   * @param labels the labels
   * @param mutualPredictability the mutual predictability
   * @param history the history
   * @param bestLabels the best labels
   * @param bestMutualPredictability the best mutual predictability
   */
  public ChainCheckpoint(
      int iteration,
      int accepted,
      int[] labels,
      double mutualPredictability,
      List<IterationRecord> history,
      int[] bestLabels,
      double bestMutualPredictability) {
    this(iteration, accepted, labels, mutualPredictability, history, bestLabels, bestMutualPredictability, List.of());
  }

  /**
   * A checkpoint without a best labeling.
   *
   * @param iteration the iteration
   * @param accepted the accepted
   * @param labels the labels
   * @param mutualPredictability the mutual predictability
   * @param history the history
   */
  public ChainCheckpoint(
      int iteration,
      int accepted,
      int[] labels,
      double mutualPredictability,
      List<IterationRecord> history) {
    this(iteration, accepted, labels, mutualPredictability, history, new int[0], 0, List.of());
  }

  /**
   * A copy of the {@code labels} component.
   *
   * @return a copy of the {@code labels} component
   */
  @Override
  public int[] labels() {
    return labels.clone();
  }

  /**
   * A copy of the {@code bestLabels} component.
   *
   * @return a copy of the {@code bestLabels} component
   */
  @Override
  public int[] bestLabels() {
    return bestLabels.clone();
  }
}
