package org.icm4j.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.icm4j.result.IterationRecord;
import org.icm4j.search.AnnealingSearch;
import org.icm4j.search.ProposalMode;
import org.icm4j.spi.search.ChainCheckpoint;
import org.icm4j.spi.search.ChainOutcome;
import org.icm4j.spi.search.SearchProblem;
import org.icm4j.spi.search.SearchState;

/**
 * The paper's Algorithm 1 (simulated annealing over labelings) with Algorithm 2 (ConsistencyFix):
 * the algorithm behind {@link AnnealingSearch}. Stateless.
 */
public final class Annealing {
  private Annealing() {}

  /** Runs one chain of {@code s} on the problem. */
  public static ChainOutcome search(SearchProblem p, AnnealingSearch s) {
    RandomGenerator rng = p.random();
    SearchState cur;
    int accepted;
    int start;
    List<IterationRecord> history;
    SearchState best;
    ChainCheckpoint resume = p.resumeFrom();
    if (resume != null) {
      cur = p.restore(resume);
      accepted = resume.accepted();
      start = resume.iteration();
      history = new ArrayList<>(resume.history());
      best =
          resume.bestLabels().length == 0
              ? cur
              : p.restore(
                  new ChainCheckpoint(
                      start, accepted, resume.bestLabels(), resume.bestMutualPredictability(), List.of()));
    } else {
      cur = consistencyFix(p, p.evaluate(initialLabels(p, p.settings().initialLabels(), rng)), 0, s.fixRounds()).state;
      accepted = 0;
      start = 0;
      history = new ArrayList<>();
      best = cur;
    }
    boolean observesLabels = p.listener().observesLabels();
    for (int it = start + 1; it <= s.iterations(); it++) {
      if (p.cancelled()) {
        offer(p, it - 1, accepted, cur, history, best);
        return new ChainOutcome(s.keepBest() ? best : cur, it - 1, accepted, history, true);
      }
      double temperature = s.schedule().temperature(it, accepted);
      String exampleId;
      String proposed;
      SearchState proposal;
      if (s.proposal() == ProposalMode.EXPLORE && rng.nextInt(p.size()) == 0) {
        exampleId = ProposalMode.MIRROR_ID;
        proposed = "(all labels shifted)";
        proposal = mirror(p, cur);
      } else {
        int i = s.sampler().sample(p.view(cur), rng);
        if (i < 0 || i >= p.size()) {
          throw new IllegalStateException(
              "sampler " + s.sampler() + " returned " + i + ", outside [0, " + p.size() + ")");
        }
        int y = propose(s.proposal(), p.predict(cur, i), cur.label(i), rng);
        exampleId = p.example(i).id();
        proposed = p.labelSpace().name(y);
        proposal = p.change(cur, new int[] {i}, new int[] {y});
      }
      p.listener().onProposal(p.batchIndex(), p.chainIndex(), it, exampleId, proposed);
      // Algorithm 1 repairs the candidate even when the proposal changed nothing: a labeling that
      // is its own leave-one-out argmax can still carry violations.
      Fixed fixed = consistencyFix(p, proposal, it, s.fixRounds());
      SearchState candidate = fixed.state;
      int fixRounds = fixed.rounds;
      boolean accept = false;
      if (candidate != cur && !Arrays.equals(candidate.labels(), cur.labels())) {
        double delta = candidate.utility() - cur.utility();
        accept = delta > 0 || rng.nextDouble() < Math.exp(delta / temperature);
      }
      if (accept) {
        cur = candidate;
        accepted++;
        if (cur.utility() > best.utility()) {
          best = cur;
        }
      }
      IterationRecord record =
          new IterationRecord(
              it,
              temperature,
              exampleId,
              proposed,
              fixRounds,
              accept,
              cur.utility(),
              cur.mutualPredictability(),
              cur.inconsistency(),
              cur.labelledCount());
      history.add(record);
      p.listener().onIteration(p.batchIndex(), p.chainIndex(), record);
      p.listener().onProgress(p.batchIndex(), p.chainIndex(), it, s.iterations());
      if (observesLabels) {
        p.listener().onLabels(p.batchIndex(), p.chainIndex(), it, Problem.labeling(p, cur));
      }
      offer(p, it, accepted, cur, history, best);
    }
    return new ChainOutcome(
        s.keepBest() ? best : cur, Math.max(start, s.iterations()), accepted, history, false);
  }

  private static void offer(
      SearchProblem p,
      int iteration,
      int accepted,
      SearchState state,
      List<IterationRecord> history,
      SearchState best) {
    p.offerCheckpoint(
        iteration,
        () ->
            new ChainCheckpoint(
                iteration,
                accepted,
                state.labels(),
                state.mutualPredictability(),
                history,
                best.labels(),
                best.mutualPredictability()));
  }

  /** Every labelled example's label index y becomes (y + 1) mod k. */
  static SearchState mirror(SearchProblem p, SearchState state) {
    int k = p.labelSpace().size();
    int[] labels = state.labels();
    int[] indices = new int[state.labelledCount()];
    int[] shifted = new int[indices.length];
    int c = 0;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= 0) {
        indices[c] = i;
        shifted[c++] = (labels[i] + 1) % k;
      }
    }
    return p.change(state, indices, shifted);
  }

  /** K random examples with labels balanced across the label space; the rest unlabelled. */
  static int[] initialLabels(SearchProblem p, int k, RandomGenerator rng) {
    int n = p.size();
    int count = Math.min(k, n);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    int[] labels = new int[n];
    Arrays.fill(labels, -1);
    int labelCount = p.labelSpace().size();
    int offset = rng.nextInt(labelCount);
    for (int t = 0; t < count; t++) {
      int j = t + rng.nextInt(n - t);
      int tmp = order[t];
      order[t] = order[j];
      order[j] = tmp;
      labels[order[t]] = (t + offset) % labelCount;
    }
    return labels;
  }

  /** The label to propose from the model's leave-one-out log-probabilities. */
  static int propose(ProposalMode mode, double[] lp, int current, RandomGenerator rng) {
    switch (mode) {
      case ARGMAX:
        return argmax(lp, -1);
      case ARGMAX_ELSE_NEXT:
      case EXPLORE:
        {
          int best = argmax(lp, -1);
          return best == current ? argmax(lp, current) : best;
        }
      case SAMPLE:
        {
          double max = lp[argmax(lp, -1)];
          double total = 0;
          double[] w = new double[lp.length];
          for (int j = 0; j < lp.length; j++) {
            w[j] = Math.exp(lp[j] - max);
            total += w[j];
          }
          double r = rng.nextDouble() * total;
          for (int j = 0; j < lp.length; j++) {
            r -= w[j];
            if (r < 0) {
              return j;
            }
          }
          return lp.length - 1;
        }
      default:
        throw new AssertionError(mode);
    }
  }

  /** Index of the largest entry (the first on ties), skipping {@code skip}. */
  static int argmax(double[] lp, int skip) {
    int best = -1;
    for (int j = 0; j < lp.length; j++) {
      if (j != skip && (best < 0 || lp[j] > lp[best])) {
        best = j;
      }
    }
    return best;
  }

  /** A repaired state and the rounds that changed it. */
  record Fixed(SearchState state, int rounds) {}

  /**
   * Algorithm 2: up to M rounds; each picks a random violation, tries every consistent option for
   * its examples, and keeps the best one if it raises U. Never lowers U.
   */
  static Fixed consistencyFix(SearchProblem p, SearchState state, int iteration, int fixRounds) {
    int rounds = 0;
    for (int m = 0; m < fixRounds; m++) {
      List<int[]> violations = p.violations(state);
      if (violations.isEmpty()) {
        break;
      }
      int[] witness = violations.get(p.random().nextInt(violations.size()));
      SearchState best = null;
      for (int[] option : p.consistentOptions(state, witness)) {
        SearchState s = p.change(state, witness, option);
        if (best == null || s.utility() > best.utility()) {
          best = s;
        }
      }
      if (best != null && best.utility() > state.utility()) {
        p.listener()
            .onFix(p.batchIndex(), p.chainIndex(), iteration, state.utility(), best.utility());
        state = best;
        rounds++;
      }
    }
    return new Fixed(state, rounds);
  }
}
