package org.icm4j.search;

import org.icm4j.Icm;
import org.icm4j.internal.ExhaustiveSearch;
import org.icm4j.spi.search.SearchStrategy;

/** The built-in search strategies. */
public final class Searches {
  private Searches() {}

  /**
   * The default: {@link MultiStartSearch} with {@value MultiStartSearch#DEFAULT_STARTS} starts and
   * rules as constraints. Labels every example, and reports whether its starts agree.
   *
   * @return the default
   */
  public static MultiStartSearch multiStart() {
    return MultiStartSearch.DEFAULT;
  }

  /**
   * The paper's search, as the official code runs it: simulated annealing (Algorithm 1) with
   * ConsistencyFix (Algorithm 2) over partial labelings, from K random labels, with argmax
   * proposals and the official temperature schedule, rules as penalties in U; K is the builder's
   * {@link Icm.Builder#initialLabels}. Change its settings with {@code withIterations(..)} and the
   * other {@code with...} methods of {@link AnnealingSearch}. The same strategy as {@link
   * #annealing()}.
   *
   * @return the paper's search, as the official code runs it
   */
  public static AnnealingSearch paper() {
    return AnnealingSearch.PAPER;
  }

  /**
   * Simulated annealing (paper Algorithm 1) with ConsistencyFix (Algorithm 2) with the paper's
   * settings: {@link #paper()}.
   *
   * @return simulated annealing (paper Algorithm 1) with ConsistencyFix (Algorithm 2) with the
   *     paper's settings
   */
  public static AnnealingSearch annealing() {
    return AnnealingSearch.PAPER;
  }

  /**
   * Every complete labeling, the best kept: the exact optimum of U. Only for small batches (at
   * most 2^20 labelings, e.g. 20 binary examples).
   *
   * @return every complete labeling, the best kept
   */
  public static SearchStrategy exhaustive() {
    return ExhaustiveSearch.INSTANCE;
  }

  /**
   * {@link #exhaustive()} with a choice of how rules count: with {@link RuleHandling#CONSTRAINTS}
   * only the labelings that break as few rules as possible are scored, so the result is the
   * optimum a search that treats rules as constraints can reach.
   *
   * @param rules the rules
   * @return {@link #exhaustive()} with a choice of how rules count
   */
  public static SearchStrategy exhaustive(RuleHandling rules) {
    return java.util.Objects.requireNonNull(rules, "rules") == RuleHandling.CONSTRAINTS
        ? ExhaustiveSearch.CONSTRAINED
        : ExhaustiveSearch.INSTANCE;
  }
}
