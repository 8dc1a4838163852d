package org.icm4j;

/**
 * How mutual predictability P(D) is computed from the leave-one-out log-probabilities {@code lp_i}
 * of each labelled example i (its label {@code y_i} given all other labelled examples).
 */
public enum MutualPredictability {
  /**
   * The official code's measure (default): the mean over labelled examples of the signed log-odds
   * {@code lp_i[y_i] - log(sum over j != y_i of exp(lp_i[j]))}; for the binary space this is
   * {@code log P(y_i) - log P(other label)}. Invariant to how the scorer normalizes.
   */
  MEAN_SIGNED_LOG_ODDS,
  /**
   * The paper's measure: the sum over labelled examples of {@code log P(y_i | x_i, D\i)}, with the
   * scorer's log-probabilities renormalized over the label space.
   */
  SUM_LOG_PROB
}
