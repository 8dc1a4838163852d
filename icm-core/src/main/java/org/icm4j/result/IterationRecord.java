package org.icm4j.result;

import static java.util.Objects.requireNonNull;

import org.icm4j.search.ProposalMode;

/**
 * What one annealing iteration did. Immutable and thread-safe.
 *
 * @param iteration 1-based iteration number within its chain
 * @param temperature the temperature used for the acceptance test
 * @param exampleId the sampled example ({@link ProposalMode#MIRROR_ID} for a mirror move)
 * @param proposedLabel the label proposed for it
 * @param fixRounds ConsistencyFix rounds that changed the candidate
 * @param accepted whether the candidate replaced the current labeling (a candidate identical to
 *     the current labeling counts as not accepted)
 * @param utility U of the current labeling after the decision
 * @param mutualPredictability P of the current labeling after the decision
 * @param inconsistency I of the current labeling after the decision
 * @param labelled labelled examples after the decision
 */
public record IterationRecord(
    int iteration,
    double temperature,
    String exampleId,
    String proposedLabel,
    int fixRounds,
    boolean accepted,
    double utility,
    double mutualPredictability,
    int inconsistency,
    int labelled) {
  /**
   * Checks the components and copies the collections.
   *
   * @param iteration 1-based iteration number within its chain
   * @param temperature the temperature used for the acceptance test
   * @param exampleId the sampled example ({@link ProposalMode#MIRROR_ID} for a mirror move)
   * @param proposedLabel the label proposed for it
   * @param fixRounds ConsistencyFix rounds that changed the candidate
   * @param accepted whether the candidate replaced the current labeling (a candidate identical to
   *     the current labeling counts as not accepted)
   * @param utility U of the current labeling after the decision
   * @param mutualPredictability P of the current labeling after the decision
   * @param inconsistency I of the current labeling after the decision
   * @param labelled labelled examples after the decision
   */
  public IterationRecord {
    requireNonNull(exampleId, "exampleId");
    requireNonNull(proposedLabel, "proposedLabel");
  }
}
