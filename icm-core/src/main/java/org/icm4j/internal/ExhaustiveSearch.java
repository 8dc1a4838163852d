package org.icm4j.internal;

import java.util.List;
import org.icm4j.IcmException;
import org.icm4j.search.RuleHandling;
import org.icm4j.spi.search.ChainOutcome;
import org.icm4j.spi.search.SearchProblem;
import org.icm4j.spi.search.SearchState;
import org.icm4j.spi.search.SearchStrategy;

/**
 * Evaluates every complete labeling and returns one of maximal U (the first in lexicographic order
 * of label indices on ties): the exact optimum, for small batches and as a test oracle. Immutable
 * and thread-safe.
 */
public final class ExhaustiveSearch implements SearchStrategy {
  /** The most labelings it will evaluate. */
  public static final long MAX_LABELINGS = 1L << 20;

  public static final ExhaustiveSearch INSTANCE = new ExhaustiveSearch(RuleHandling.PENALTIES);

  /** Only the labelings that break as few rules as possible: the optimum under constraints. */
  public static final ExhaustiveSearch CONSTRAINED = new ExhaustiveSearch(RuleHandling.CONSTRAINTS);

  private final RuleHandling rules;

  private ExhaustiveSearch(RuleHandling rules) {
    this.rules = rules;
  }

  @Override
  public ChainOutcome search(SearchProblem p) {
    int n = p.size();
    int k = p.labelSpace().size();
    double count = Math.pow(k, n);
    if (count > MAX_LABELINGS) {
      throw new IcmException(
          "exhaustive search would evaluate "
              + k
              + "^"
              + n
              + " labelings, more than "
              + MAX_LABELINGS
              + ": use it on batches of at most "
              + (int) Math.floor(Math.log(MAX_LABELINGS) / Math.log(k))
              + " examples, or use annealing");
    }
    int[] labels = new int[n];
    SearchState best = null;
    int fewest = rules == RuleHandling.CONSTRAINTS ? fewestViolations(p) : Integer.MAX_VALUE;
    for (long c = 0; c < (long) count; c++) {
      long rest = c;
      for (int i = n - 1; i >= 0; i--) {
        labels[i] = (int) (rest % k);
        rest /= k;
      }
      if (!keepsTrusted(p, labels)) {
        continue; // every state keeps the trusted labels: one labeling each
      }
      if (rules == RuleHandling.CONSTRAINTS && violations(p, labels) > fewest) {
        continue;
      }
      if (p.cancelled()) {
        return new ChainOutcome(best == null ? p.evaluate(labels) : best, 0, 0, List.of(), true);
      }
      SearchState s = p.evaluate(labels);
      if (best == null || s.utility() > best.utility()) {
        best = s;
      }
    }
    return new ChainOutcome(best, 0, 0, List.of(), false);
  }

  private static boolean keepsTrusted(SearchProblem p, int[] labels) {
    for (int i = 0; i < labels.length; i++) {
      int t = p.trustedLabel(i);
      if (t >= 0 && labels[i] != t) {
        return false;
      }
    }
    return true;
  }

  /** The least inconsistency any complete labeling that keeps the trusted labels has: the sum of each group's least. */
  private static int fewestViolations(SearchProblem p) {
    int k = p.labelSpace().size();
    int total = 0;
    for (int g = 0; g < p.groupCount(); g++) {
      int[] members = p.group(g);
      int m = members.length;
      int least = Integer.MAX_VALUE;
      int[] a = new int[m];
      for (long c = 0; c < (long) Math.pow(k, m); c++) {
        long rest = c;
        boolean keeps = true;
        for (int q = m - 1; q >= 0; q--) {
          a[q] = (int) (rest % k);
          rest /= k;
          int t = p.trustedLabel(members[q]);
          keeps &= t < 0 || t == a[q];
        }
        if (!keeps) {
          continue;
        }
        least = Math.min(least, p.groupViolations(g, a));
      }
      total += least;
    }
    return total;
  }

  private static int violations(SearchProblem p, int[] labels) {
    int total = 0;
    for (int g = 0; g < p.groupCount(); g++) {
      int[] members = p.group(g);
      int[] a = new int[members.length];
      for (int q = 0; q < members.length; q++) {
        a[q] = labels[members[q]];
      }
      total += p.groupViolations(g, a);
    }
    return total;
  }

  @Override
  public boolean historyCountsIterations() {
    return true;
  }

  @Override
  public String toString() {
    return rules == RuleHandling.PENALTIES ? "exhaustive" : "exhaustive(rules=constraints)";
  }
}
