package org.icm4j.result;

/**
 * The energy of one labeling of one batch, as the search computes it: {@code utility = alpha *
 * mutualPredictability - inconsistency}. Immutable and thread-safe.
 *
 * @param utility U
 * @param mutualPredictability P, over the labelled examples
 * @param inconsistency I, violated rules
 * @param labelled labelled examples
 */
public record Energy(double utility, double mutualPredictability, int inconsistency, int labelled) {}
