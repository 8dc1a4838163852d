package org.icm4j.spi.search;

import java.util.Map;

/**
 * Searches one batch for a labeling of high U. Built-ins: {@link org.icm4j.search.Searches#multiStart()}
 * (the default), {@link org.icm4j.search.Searches#paper()} (the paper's Algorithm 1 with ConsistencyFix)
 * and {@link org.icm4j.search.Searches#exhaustive()} (the exact optimum for small batches).
 *
 * <p>A strategy describes itself: its settings for provenance and checkpoint fingerprints ({@link
 * #describe()}), its checks before a run ({@link #validate}), the advice in the warnings about its
 * result, and what a checkpoint of one of its chains may hold. The engine asks these methods and
 * never the strategy's type, so a new strategy is one class (docs/writing-a-search.md); {@code
 * SearchStrategyContract} in icm-core's test jar checks one.
 *
 * <p>Implementations must be immutable and thread-safe (one strategy serves every chain), take all
 * randomness from {@link SearchProblem#random()}, and let scorer failures through.
 */
@FunctionalInterface
public interface SearchStrategy {

  /**
   * Runs one chain on the problem.
   *
   * @param problem the problem
   * @return runs one chain on the problem
   */
  ChainOutcome search(SearchProblem problem);

  /**
   * This strategy's settings by name, for provenance and checkpoint fingerprints: everything that
   * changes its result, stable across JVMs. The default is {@code search} = {@code toString()};
   * override {@code toString} or this method so that two strategies that search differently
   * describe themselves differently (a checkpoint is resumed only by a run that describes itself
   * the same).
   *
   * @return this strategy's settings by name, for provenance and checkpoint fingerprints
   */
  default Map<String, String> describe() {
    return Map.of("search", toString());
  }

  /**
   * Checks, before any work, that this strategy can run on a data set of {@code examples} examples
   * with these settings. Throws {@link IllegalArgumentException} naming the setting and what to do.
   * The default accepts every data set.
   *
   * @param examples the examples
   * @param settings the settings
   */
  default void validate(int examples, SearchSettings settings) {}

  /**
   * The end of the warning given when few starts reached the kept labeling (the result is then not
   * confirmed): how to search harder with this strategy, for instance {@code "raise the starts
   * (...)"}. The default suggests more starts or chains.
   *
   * @param chains the run's chains per batch
   *
   * @return the end of the warning given when few starts reached the kept labeling (the result is
   *     then not confirmed)
   */
  default String adviceWhenUnconfirmed(int chains) {
    return "search again with more starts or chains";
  }

  /**
   * The end of the warning given when the kept labels break rules: why, and what to do.
   *
   * @return the end of the warning given when the kept labels break rules
   */
  default String adviceWhenRulesBroken() {
    return "no assignment of some group satisfies every rule; check the rules";
  }

  /**
   * The most iterations one chain of this strategy makes, which a resumed checkpoint is checked
   * against; {@link Integer#MAX_VALUE} (the default) when there is no bound.
   *
   * @return the most iterations one chain of this strategy makes, which a resumed checkpoint is
   *     checked against
   */
  default int maxIterations() {
    return Integer.MAX_VALUE;
  }

  /**
   * Whether a chain's history holds exactly one record per iteration, numbered from 1, which a
   * resumed checkpoint is checked against. The default {@code false} checks nothing.
   *
   * @return whether a chain's history holds exactly one record per iteration, numbered from 1,
   *     which a resumed checkpoint is checked against
   */
  default boolean historyCountsIterations() {
    return false;
  }
}
