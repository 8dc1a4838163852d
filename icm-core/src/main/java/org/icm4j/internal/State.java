package org.icm4j.internal;

import org.icm4j.spi.search.SearchState;
import org.jspecify.annotations.Nullable;

/** A labeling with its per-group violation counts and energy. Immutable (never mutated once built). */
final class State implements SearchState {
  final int[] labels;
  final int[] groupViolations;
  final int[] labelledPerGroup;
  final int inconsistency;
  final int labelledCount;
  final double mutualPredictability;
  final double utility;
  /**
   * Leave-one-out rows of the labelled examples by example index ({@code null} for unlabelled
   * ones), or {@code null} when this state's P came from the memo or a checkpoint. Never mutated.
   */
  final double @Nullable [] @Nullable [] rows;

  State(
      int[] labels,
      int[] groupViolations,
      int[] labelledPerGroup,
      int inconsistency,
      int labelledCount,
      double mutualPredictability,
      double alpha,
      double @Nullable [] @Nullable [] rows) {
    this.labels = labels;
    this.groupViolations = groupViolations;
    this.labelledPerGroup = labelledPerGroup;
    this.inconsistency = inconsistency;
    this.labelledCount = labelledCount;
    this.mutualPredictability = mutualPredictability;
    this.utility = alpha * mutualPredictability - inconsistency;
    this.rows = rows;
  }

  @Override
  public int label(int i) {
    return labels[i];
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  @Override
  public int labelledCount() {
    return labelledCount;
  }

  @Override
  public double utility() {
    return utility;
  }

  @Override
  public double mutualPredictability() {
    return mutualPredictability;
  }

  @Override
  public int inconsistency() {
    return inconsistency;
  }
}
