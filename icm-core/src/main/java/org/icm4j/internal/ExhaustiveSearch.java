package org.icm4j.internal;

import java.util.List;
import org.icm4j.IcmException;
import org.icm4j.spi.ChainOutcome;
import org.icm4j.spi.SearchProblem;
import org.icm4j.spi.SearchState;
import org.icm4j.spi.SearchStrategy;

/**
 * Evaluates every complete labeling and returns one of maximal U (the first in lexicographic order
 * of label indices on ties): the exact optimum, for small batches and as a test oracle. Immutable
 * and thread-safe.
 */
public final class ExhaustiveSearch implements SearchStrategy {
  /** The most labelings it will evaluate. */
  public static final long MAX_LABELINGS = 1L << 20;

  public static final ExhaustiveSearch INSTANCE = new ExhaustiveSearch();

  private ExhaustiveSearch() {}

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
    for (long c = 0; c < (long) count; c++) {
      long rest = c;
      for (int i = n - 1; i >= 0; i--) {
        labels[i] = (int) (rest % k);
        rest /= k;
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

  @Override
  public String toString() {
    return "exhaustive";
  }
}
