package org.icm4j;

import org.icm4j.internal.AnnealingSearch;
import org.icm4j.internal.ExhaustiveSearch;
import org.icm4j.spi.SearchStrategy;

/** The built-in search strategies. */
public final class Searches {
  private Searches() {}

  /**
   * Simulated annealing (paper Algorithm 1) with ConsistencyFix (Algorithm 2), configured by the
   * builder's iterations, K, M, alpha, schedule, sampler and proposal mode. The default.
   */
  public static SearchStrategy annealing() {
    return AnnealingSearch.INSTANCE;
  }

  /**
   * Every complete labeling, the best kept: the exact optimum of U. Only for small batches (at
   * most 2^20 labelings, e.g. 20 binary examples); the builder rejects the annealing settings
   * (iterations, K, M, proposal, schedule, sampler, keepBest) with it.
   */
  public static SearchStrategy exhaustive() {
    return ExhaustiveSearch.INSTANCE;
  }
}
