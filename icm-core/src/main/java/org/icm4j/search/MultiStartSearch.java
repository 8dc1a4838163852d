package org.icm4j.search;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import org.icm4j.Icm;
import org.icm4j.Rules;
import org.icm4j.internal.GroupSearch;
import org.icm4j.result.BatchSummary;
import org.icm4j.spi.search.ChainOutcome;
import org.icm4j.spi.search.SearchProblem;
import org.icm4j.spi.search.SearchStrategy;

/**
 * The default search: several starts, each completed by the model and improved by moves of whole
 * groups, over labelings that label every example. Get one from {@link Searches#multiStart()}.
 *
 * <p>Each start builds a complete labeling from a small seed, which the model completes with the
 * seed as its context: start 0 seeds with the groups the model is most sure of without any context
 * (at least {@link Icm.Builder#initialLabels K} examples), start 1 is the model's answer for every
 * example without context, and the others take, one after another, every assignment of a few
 * groups (as many groups as the starts can cover, so that one start seeds them as the best
 * labeling does), then random groups. A start then moves whole groups (every consistent
 * assignment of a group is an option; without rules, single examples) where the model's
 * leave-one-out predictions say U rises, several at once while that raises U. The two best distinct
 * results are then improved by exact moves (each group's most promising options scored), and for
 * two labels the mirror of the best (every label swapped) is tried as well.
 *
 * <p>Rules are {@link RuleHandling#CONSTRAINTS constraints} by default: every group takes an
 * assignment that breaks as few rules as the rules allow (none, when the group has a consistent
 * assignment), so the result has the least I possible and, among such labelings, the highest P.
 * {@link #withRules withRules(RuleHandling.PENALTIES)} weighs violations against {@code alpha *
 * P} as the paper's U does.
 *
 * <p>The result reports how many starts reached the labeling the best came from ({@link
 * BatchSummary#startsAtBest()}) and warns when only one did: more starts may then find a better
 * one.
 *
 * <p>Immutable and thread-safe.
 */
public final class MultiStartSearch implements SearchStrategy {
  /** Default number of starts per chain. */
  public static final int DEFAULT_STARTS = 16;

  static final MultiStartSearch DEFAULT = new MultiStartSearch(DEFAULT_STARTS, RuleHandling.CONSTRAINTS);

  private final int starts;
  private final RuleHandling rules;

  private MultiStartSearch(int starts, RuleHandling rules) {
    this.starts = starts;
    this.rules = rules;
  }

  /**
   * Starts per chain.
   *
   * @return starts per chain
   */
  public int starts() {
    return starts;
  }

  /**
   * How rules are treated.
   *
   * @return how rules are treated
   */
  public RuleHandling rules() {
    return rules;
  }

  /**
   * This search with another number of starts (default {@value #DEFAULT_STARTS}); the cost grows
   * about linearly with it.
   *
   * @throws IllegalArgumentException when {@code starts < 1}
   *
   * @param starts the starts
   * @return this search with another number of starts (default {@value #DEFAULT_STARTS})
   */
  public MultiStartSearch withStarts(int starts) {
    checkArgument(starts >= 1, "starts must be >= 1, but was %s", starts);
    return new MultiStartSearch(starts, rules);
  }

  /**
   * This search with rules treated as constraints (default) or as the paper's penalties.
   *
   * @param rules the rules
   * @return this search with rules treated as constraints (default) or as the paper's penalties
   */
  public MultiStartSearch withRules(RuleHandling rules) {
    return new MultiStartSearch(starts, requireNonNull(rules, "rules"));
  }

  @Override
  public ChainOutcome search(SearchProblem problem) {
    return GroupSearch.search(problem, starts, rules);
  }

  /** More starts. */
  @Override
  public String adviceWhenUnconfirmed(int chains) {
    return "raise the starts (search(Searches.multiStart().withStarts(" + Math.max(16, 2 * starts) + ")))";
  }

  @Override
  public boolean historyCountsIterations() {
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MultiStartSearch m && m.starts == starts && m.rules == rules;
  }

  @Override
  public int hashCode() {
    return 31 * starts + rules.hashCode();
  }

  /** A stable description, for provenance and checkpoint fingerprints. */
  @Override
  public String toString() {
    return "multiStart(starts=" + starts + ", rules=" + rules.name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}
