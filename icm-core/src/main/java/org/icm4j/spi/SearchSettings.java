package org.icm4j.spi;

import static java.util.Objects.requireNonNull;

import org.icm4j.MutualPredictability;
import org.icm4j.ProposalMode;

/**
 * The search settings of a run, validated by {@link org.icm4j.Icm.Builder}. Immutable and
 * thread-safe.
 *
 * @param iterations N, annealing iterations per chain
 * @param initialLabels K, examples given random (balanced) labels at the start
 * @param fixRounds M, ConsistencyFix rounds per iteration
 * @param alpha weight of mutual predictability in U
 * @param measure how mutual predictability is computed
 * @param proposal how a label is proposed
 * @param schedule the temperature schedule
 * @param sampler picks the example of each iteration
 * @param keepBest return the best labeling a chain visited instead of its final one (the paper
 *     returns the final one)
 */
public record SearchSettings(
    int iterations,
    int initialLabels,
    int fixRounds,
    double alpha,
    MutualPredictability measure,
    ProposalMode proposal,
    TemperatureSchedule schedule,
    ExampleSampler sampler,
    boolean keepBest) {
  public SearchSettings {
    requireNonNull(measure, "measure");
    requireNonNull(proposal, "proposal");
    requireNonNull(schedule, "schedule");
    requireNonNull(sampler, "sampler");
  }

  /** Settings that return each chain's final labeling, as the paper does. */
  public SearchSettings(
      int iterations,
      int initialLabels,
      int fixRounds,
      double alpha,
      MutualPredictability measure,
      ProposalMode proposal,
      TemperatureSchedule schedule,
      ExampleSampler sampler) {
    this(iterations, initialLabels, fixRounds, alpha, measure, proposal, schedule, sampler, false);
  }
}
