package org.icm4j.result;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.MutualPredictability;

/**
 * A labeling of a batch that the search met and did not keep, compared with the kept one: what the
 * objective would have returned for another concept. Immutable and thread-safe.
 *
 * @param labels the labeling's label of each example of the batch, in the order of {@link
 *     BatchSummary#exampleIds()} ({@code null}: unlabelled)
 * @param utility its U
 * @param mutualPredictability its P
 * @param inconsistency its I
 * @param disagreement the share of the batch's examples that are not trusted and that this
 *     labeling labels otherwise than the kept one, in [0, 1]
 * @param starts how many starts (over all chains) ended at it
 * @param ownSupport on the examples this labeling labels otherwise than the kept one: the mean
 *     signed log-odds of its labels under its own leave-one-out predictions (how well its other
 *     labels predict them; for {@link MutualPredictability#SUM_LOG_PROB}, the mean log-probability)
 * @param keptSupport on the same examples: the mean signed log-odds of the kept labels under the
 *     kept labeling's leave-one-out predictions. A second concept predicts its own labels about as
 *     well as the kept one predicts its own; a damaged copy of the kept labeling does not
 */
public record AlternativeLabeling(
    List<@org.jspecify.annotations.Nullable String> labels,
    double utility,
    double mutualPredictability,
    int inconsistency,
    double disagreement,
    int starts,
    double ownSupport,
    double keptSupport) {
  /**
   * Checks the components and copies the collections.
   *
   * @param labels the labeling's label of each example of the batch, in the order of {@link
   *     BatchSummary#exampleIds()} ({@code null}: unlabelled)
   * @param utility its U
   * @param mutualPredictability its P
   * @param inconsistency its I
   * @param disagreement the share of the batch's examples that are not trusted and that this
   *     labeling labels otherwise than the kept one, in [0, 1]
   * @param starts how many starts (over all chains) ended at it
   * @param ownSupport on the examples this labeling labels otherwise than the kept one: the mean
   *     signed log-odds of its labels under its own leave-one-out predictions (how well its other
   *     labels predict them; for {@link MutualPredictability#SUM_LOG_PROB}, the mean log-probability)
   * @param keptSupport on the same examples: the mean signed log-odds of the kept labels under the
   *     kept labeling's leave-one-out predictions. A second concept predicts its own labels about as
   *     well as the kept one predicts its own; a damaged copy of the kept labeling does not
   */
  public AlternativeLabeling {
    labels = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(requireNonNull(labels, "labels")));
    if (!(disagreement >= 0 && disagreement <= 1)) {
      throw new IllegalArgumentException("disagreement must be in [0, 1], but was " + disagreement);
    }
    if (starts < 0) {
      throw new IllegalArgumentException("starts must be >= 0, but was " + starts);
    }
  }
}
