package org.icm4j.result;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.search.MultiStartSearch;

/**
 * One batch of a run: its examples, every chain's outcome, and the chain kept (the one of highest
 * U, chosen without labels). Immutable and thread-safe.
 *
 * @param index 0-based batch index
 * @param exampleIds the batch's examples, in id order
 * @param chains every chain's summary, in chain order (after a cancellation without an executor,
 *     only the chains that started)
 * @param bestChain index of the kept chain
 * @param utility U of the kept labeling
 * @param mutualPredictability P of the kept labeling
 * @param inconsistency I of the kept labeling
 * @param history the kept chain's iterations
 * @param cancelled whether the batch was cut short by cancellation
 * @param starts independent starts of the search over all chains (a chain of annealing is one
 *     start; {@link MultiStartSearch} makes several per chain)
 * @param startsAtBest how many of them ended at the kept labeling: 1 means the search found it
 *     once and does not confirm it (the result then carries an {@link IcmWarning.Kind#UNCONFIRMED}
 *     warning)
 * @param runnerUpUtility the highest U among the labelings other starts ended at that differ from
 *     the kept one, {@code NaN} when every start ended at the kept labeling; the gap {@code
 *     utility - runnerUpUtility} says how clearly the kept labeling won
 * @param completed examples the search left unlabelled and the completion after it labelled
 *     ({@link LabelSource#COMPLETION})
 * @param trusted examples of the batch with a trusted label ({@link LabelSource#TRUSTED})
 * @param alternatives the labelings the search met that disagree with the kept one on a real share
 *     of the examples that are not trusted (10% or more), highest U first, at most 3: other
 *     concepts the objective weighed; one whose P comes close to the kept one's raises an {@link
 *     IcmWarning.Kind#COMPETING_LABELING} warning
 */
public record BatchSummary(
    int index,
    List<String> exampleIds,
    List<ChainSummary> chains,
    int bestChain,
    double utility,
    double mutualPredictability,
    int inconsistency,
    List<IterationRecord> history,
    boolean cancelled,
    int starts,
    int startsAtBest,
    double runnerUpUtility,
    int completed,
    int trusted,
    List<AlternativeLabeling> alternatives) {
  /**
   * Checks the components and copies the collections.
   *
   * @param index 0-based batch index
   * @param exampleIds the batch's examples, in id order
   * @param chains every chain's summary, in chain order (after a cancellation without an executor,
   *     only the chains that started)
   * @param bestChain index of the kept chain
   * @param utility U of the kept labeling
   * @param mutualPredictability P of the kept labeling
   * @param inconsistency I of the kept labeling
   * @param history the kept chain's iterations
   * @param cancelled whether the batch was cut short by cancellation
   * @param starts independent starts of the search over all chains (a chain of annealing is one
   *     start; {@link MultiStartSearch} makes several per chain)
   * @param startsAtBest how many of them ended at the kept labeling: 1 means the search found it
   *     once and does not confirm it (the result then carries an {@link IcmWarning.Kind#UNCONFIRMED}
   *     warning)
   * @param runnerUpUtility the highest U among the labelings other starts ended at that differ from
   *     the kept one, {@code NaN} when every start ended at the kept labeling; the gap {@code utility -
   *     runnerUpUtility} says how clearly the kept labeling won
   * @param completed examples the search left unlabelled and the completion after it labelled
   *     ({@link LabelSource#COMPLETION})
   * @param trusted examples of the batch with a trusted label ({@link LabelSource#TRUSTED})
   * @param alternatives the labelings the search met that disagree with the kept one on a real
   *     share of the examples that are not trusted (10% or more), highest U first, at most 3: other
   *     concepts the objective weighed; one whose P comes close to the kept one's raises an {@link
   *     IcmWarning.Kind#COMPETING_LABELING} warning
   */
  public BatchSummary {
    alternatives = List.copyOf(requireNonNull(alternatives, "alternatives"));
    exampleIds = List.copyOf(requireNonNull(exampleIds, "exampleIds"));
    chains = List.copyOf(requireNonNull(chains, "chains"));
    history = List.copyOf(requireNonNull(history, "history"));
  }

  /**
   * Whether more than one start ended at the kept labeling.
   *
   * @return whether more than one start ended at the kept labeling
   */
  public boolean confirmed() {
    return startsAtBest > 1;
  }
}
