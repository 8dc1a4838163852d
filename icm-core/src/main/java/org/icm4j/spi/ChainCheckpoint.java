package org.icm4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.IterationRecord;

/**
 * The part of an annealing chain's state that a strategy saves; the engine adds the random
 * generator's state and the scorer counters. Immutable (arrays copied) and thread-safe.
 *
 * @param iteration iterations completed
 * @param accepted accepted moves so far
 * @param labels current label indices ({@code -1}: unlabelled)
 * @param mutualPredictability P of the current labeling (so that restoring does not rescore)
 * @param history the iterations so far
 * @param bestLabels the best labeling visited so far (empty when the strategy does not keep one)
 * @param bestMutualPredictability P of {@code bestLabels}
 */
public record ChainCheckpoint(
    int iteration,
    int accepted,
    int[] labels,
    double mutualPredictability,
    List<IterationRecord> history,
    int[] bestLabels,
    double bestMutualPredictability) {
  public ChainCheckpoint {
    labels = requireNonNull(labels, "labels").clone();
    history = List.copyOf(requireNonNull(history, "history"));
    bestLabels = requireNonNull(bestLabels, "bestLabels").clone();
  }

  /** A checkpoint without a best labeling. */
  public ChainCheckpoint(
      int iteration,
      int accepted,
      int[] labels,
      double mutualPredictability,
      List<IterationRecord> history) {
    this(iteration, accepted, labels, mutualPredictability, history, new int[0], 0);
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  @Override
  public int[] bestLabels() {
    return bestLabels.clone();
  }
}
