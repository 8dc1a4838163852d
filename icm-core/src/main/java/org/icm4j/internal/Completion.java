package org.icm4j.internal;

import java.util.ArrayList;
import java.util.List;
import org.icm4j.spi.search.SearchState;

/**
 * Labels what a search left unlabelled: the model predicts every unlabelled example with the
 * labelled ones as context (one scorer call), and each group's unlabelled members take the
 * assignment that breaks the fewest rules (the labelled members kept) and, among those, the one
 * the model finds most likely. Then the complete labeling is evaluated (one leave-one-out call).
 */
final class Completion {
  private Completion() {}

  /** The completed state and which examples the completion labelled. */
  record Completed(SearchState state, boolean[] completed, int count) {}

  static Completed complete(Problem p, SearchState s) {
    int n = p.size();
    int k = p.labelSpace().size();
    int[] labels = s.labels();
    boolean[] completed = new boolean[n];
    List<Integer> openList = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0) {
        openList.add(i);
        completed[i] = true;
      }
    }
    if (openList.isEmpty()) {
      return new Completed(s, completed, 0);
    }
    int[] open = openList.stream().mapToInt(Integer::intValue).toArray();
    double[][] predicted = p.predict(labels, open);
    double[][] rows = new double[n][];
    for (int q = 0; q < open.length; q++) {
      rows[open[q]] = predicted[q];
    }
    for (int g = 0; g < p.groupCount(); g++) {
      int[] members = p.group(g);
      List<Integer> free = new ArrayList<>();
      for (int q = 0; q < members.length; q++) {
        if (labels[members[q]] < 0) {
          free.add(q);
        }
      }
      if (free.isEmpty()) {
        continue;
      }
      int[] assignment = new int[members.length];
      for (int q = 0; q < members.length; q++) {
        assignment[q] = labels[members[q]];
      }
      boolean enumerable = Math.pow(k, free.size()) <= Problem.MAX_ENUMERATED_OPTIONS;
      if (enumerable || k + (double) free.size() * k * (k - 1) <= GroupSearch.MAX_FAMILY) {
        // every assignment of the free members; too many to enumerate: those that give them one
        // label but at most one (for "exactly one True", every valid assignment)
        int[] best = null;
        int bestViolations = Integer.MAX_VALUE;
        double bestLikelihood = Double.NEGATIVE_INFINITY;
        for (int[] a : enumerable ? GroupSearch.Units.every(free.size(), k) : GroupSearch.Units.family(free.size(), k)) {
          double likelihood = 0;
          for (int f = free.size() - 1; f >= 0; f--) { // the order the sum always had
            int q = free.get(f);
            assignment[q] = a[f];
            likelihood += logProbability(rows[members[q]], a[f]);
          }
          int v = p.groupViolations(g, assignment);
          if (v < bestViolations || (v == bestViolations && likelihood > bestLikelihood)) {
            best = assignment.clone();
            bestViolations = v;
            bestLikelihood = likelihood;
          }
        }
        for (int q : free) {
          labels[members[q]] = best[q];
        }
      } else {
        // too many assignments for the family too: member by member, fewest violations then most likely
        for (int q : free) {
          int bestY = 0;
          int bestViolations = Integer.MAX_VALUE;
          double bestLikelihood = Double.NEGATIVE_INFINITY;
          for (int y = 0; y < k; y++) {
            assignment[q] = y;
            int v = p.groupViolations(g, assignment);
            double likelihood = logProbability(rows[members[q]], y);
            if (v < bestViolations || (v == bestViolations && likelihood > bestLikelihood)) {
              bestY = y;
              bestViolations = v;
              bestLikelihood = likelihood;
            }
          }
          assignment[q] = bestY;
          labels[members[q]] = bestY;
        }
      }
    }
    return new Completed(p.evaluate(labels), completed, open.length);
  }

  /** log P(y) from a row of log-probabilities, normalized over the label space. */
  static double logProbability(double[] row, int y) {
    return row[y] - Scoring.logSumExpExcept(row, -1);
  }
}
