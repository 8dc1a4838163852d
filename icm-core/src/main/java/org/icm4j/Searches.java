package org.icm4j;

import org.icm4j.internal.AnnealingSearch;
import org.icm4j.internal.ExhaustiveSearch;
import org.icm4j.spi.SearchStrategy;

/** The built-in search strategies. */
public final class Searches {
  private Searches() {}

  /**
   * The default: {@link MultiStartSearch} with {@value MultiStartSearch#DEFAULT_STARTS} starts and
   * rules as constraints. Labels every example, and reports whether its starts agree.
   */
  public static MultiStartSearch multiStart() {
    return MultiStartSearch.DEFAULT;
  }

  /**
   * The paper's search, as the official code runs it: simulated annealing (Algorithm 1) with
   * ConsistencyFix (Algorithm 2) over partial labelings, from K random labels, with argmax
   * proposals and the official temperature schedule, rules as penalties in U. Configured by the
   * builder's iterations, K, M, schedule, sampler, proposal mode and {@code keepBest}, whose
   * defaults are the paper's. The same strategy as {@link #annealing()}.
   */
  public static SearchStrategy paper() {
    return AnnealingSearch.INSTANCE;
  }

  /**
   * Simulated annealing (paper Algorithm 1) with ConsistencyFix (Algorithm 2), configured by the
   * builder's iterations, K, M, alpha, schedule, sampler and proposal mode: {@link #paper()}.
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

  /**
   * {@link #exhaustive()} with a choice of how rules count: with {@link RuleHandling#CONSTRAINTS}
   * only the labelings that break as few rules as possible are scored, so the result is the
   * optimum a search that treats rules as constraints can reach.
   */
  public static SearchStrategy exhaustive(RuleHandling rules) {
    return java.util.Objects.requireNonNull(rules, "rules") == RuleHandling.CONSTRAINTS
        ? ExhaustiveSearch.CONSTRAINED
        : ExhaustiveSearch.INSTANCE;
  }
}
