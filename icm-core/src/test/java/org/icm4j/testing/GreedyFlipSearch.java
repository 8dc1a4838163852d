package org.icm4j.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.result.IterationRecord;
import org.icm4j.spi.search.ChainOutcome;
import org.icm4j.spi.search.SearchProblem;
import org.icm4j.spi.search.SearchState;
import org.icm4j.spi.search.SearchStrategy;

/**
 * The worked example of docs/writing-a-search.md: a third search strategy in one class, with no
 * edit anywhere else. Greedy coordinate ascent: every example starts at a random label; then,
 * sweep after sweep over the examples in a random order, each takes the label that raises U most
 * (trusted labels stay), until a sweep changes nothing or {@code maxSweeps} have run. One
 * iteration is one example visited. Immutable and thread-safe; all randomness from the problem.
 */
public final class GreedyFlipSearch implements SearchStrategy {
  private final int maxSweeps;

  /** A search of at most {@code maxSweeps} sweeps over the examples. */
  public GreedyFlipSearch(int maxSweeps) {
    if (maxSweeps < 1) {
      throw new IllegalArgumentException("maxSweeps must be >= 1, but was " + maxSweeps);
    }
    this.maxSweeps = maxSweeps;
  }

  @Override
  public ChainOutcome search(SearchProblem p) {
    int n = p.size();
    int k = p.labelSpace().size();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = p.random().nextInt(k);
    }
    SearchState cur = p.evaluate(labels); // trusted labels are put back by the problem
    List<IterationRecord> history = new ArrayList<>();
    int iteration = 0;
    int accepted = 0;
    for (int sweep = 0; sweep < maxSweeps; sweep++) {
      boolean changed = false;
      for (int i : order(p, n)) {
        if (p.cancelled()) {
          return new ChainOutcome(cur, iteration, accepted, history, true);
        }
        iteration++;
        SearchState best = cur;
        if (p.trustedLabel(i) < 0) {
          for (int y = 0; y < k; y++) {
            if (y != cur.label(i)) {
              SearchState s = p.change(cur, new int[] {i}, new int[] {y});
              if (s.utility() > best.utility()) {
                best = s;
              }
            }
          }
        }
        boolean accept = best != cur;
        if (accept) {
          cur = best;
          accepted++;
          changed = true;
        }
        history.add(
            new IterationRecord(
                iteration, 0, p.example(i).id(), p.labelSpace().name(cur.label(i)), 0, accept,
                cur.utility(), cur.mutualPredictability(), cur.inconsistency(), cur.labelledCount()));
      }
      if (!changed) {
        break;
      }
    }
    return new ChainOutcome(cur, iteration, accepted, history, false);
  }

  private static int[] order(SearchProblem p, int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = p.random().nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Its one setting, for provenance and checkpoint fingerprints. */
  @Override
  public Map<String, String> describe() {
    return Map.of("search", "greedyFlip", "maxSweeps", Integer.toString(maxSweeps));
  }

  /** One chain is one start: more chains search more. */
  @Override
  public String adviceWhenUnconfirmed(int chains) {
    return "run more chains (chains(" + Math.max(4, 2 * chains) + "))";
  }

  /** Rules are penalties here, as in the paper's U. */
  @Override
  public String adviceWhenRulesBroken() {
    return "greedy flips weigh rules against alpha * P and flip one example at a time; use the"
        + " default search, which moves whole groups and treats rules as constraints";
  }

  /** Its history holds one record per iteration, numbered from 1: a checkpoint is checked for it. */
  @Override
  public boolean historyCountsIterations() {
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GreedyFlipSearch g && g.maxSweeps == maxSweeps;
  }

  @Override
  public int hashCode() {
    return maxSweeps;
  }

  @Override
  public String toString() {
    return "greedyFlip(maxSweeps=" + maxSweeps + ")";
  }
}
