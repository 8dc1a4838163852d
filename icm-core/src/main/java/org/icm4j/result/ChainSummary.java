package org.icm4j.result;

/**
 * One annealing chain (restart) of a batch. Immutable and thread-safe.
 *
 * @param chain chain index within the batch
 * @param seed the chain's seed, derived from the run's seed
 * @param utility U of the chain's final labeling
 * @param mutualPredictability P of the chain's final labeling
 * @param inconsistency I of the chain's final labeling
 * @param labelled labelled examples at the end
 * @param iterations iterations run
 * @param accepted accepted moves
 * @param cancelled whether the chain was cut short
 */
public record ChainSummary(
    int chain,
    long seed,
    double utility,
    double mutualPredictability,
    int inconsistency,
    int labelled,
    int iterations,
    int accepted,
    boolean cancelled) {}
