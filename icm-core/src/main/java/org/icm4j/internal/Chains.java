package org.icm4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.icm4j.internal.checkpoint.CheckpointStore;
import org.icm4j.result.ChainSummary;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.RunCounts;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.search.ChainCheckpoint;
import org.icm4j.spi.search.ChainOutcome;
import org.icm4j.spi.search.SearchState;
import org.jspecify.annotations.Nullable;

/** One batch's chains: each run by its strategy with its checkpoint sink, in turn or on the executor ({@link ParallelChains}). */
final class Chains {
  private Chains() {}

  /** The outcome of one chain with its work, where its starts ended, and its problem. */
  record ChainRun(
      ChainSummary summary,
      SearchState state,
      List<IterationRecord> history,
      RunCounts counts,
      List<SearchState> ends,
      Problem problem) {}

  static List<ChainRun> runChains(
      Engine.Config config,
      GroupIndex index,
      LabelScorer scorer,
      int batch,
      String key,
      BooleanSupplier cancelled,
      @Nullable CheckpointStore store) {
    int k = config.chains();
    if (config.executor() == null) {
      List<ChainRun> runs = new ArrayList<>(k);
      for (int c = 0; c < k; c++) {
        runs.add(runChain(config, index, scorer, batch, key, c, cancelled, store, null));
        if (runs.get(c).summary().cancelled()) {
          break;
        }
      }
      return runs;
    }
    return new ParallelChains(config, index, scorer, batch, key, cancelled, store).run();
  }

  /**
   * The last checkpoint a chain offered, with its generator state and counters at that moment: what
   * a chain interrupted inside a scorer call reports and saves.
   */
  static final class LastOffer {
    int iteration;
    java.util.function.@Nullable Supplier<ChainCheckpoint> checkpoint;
    long rng;
    long[] counters = new long[3];
    boolean written;
  }

  static ChainRun runChain(
      Engine.Config config,
      GroupIndex index,
      LabelScorer scorer,
      int batch,
      String key,
      int chain,
      BooleanSupplier cancelled,
      @Nullable CheckpointStore store,
      @Nullable AtomicBoolean abort) {
    long seed = Batches.chainSeed(config.seed(), key, chain);
    CheckpointStore.ChainData saved = store == null ? null : store.chain(batch, chain);
    ChainCheckpoint resume =
        saved == null
            ? null
            : new ChainCheckpoint(
                saved.iteration(),
                saved.accepted(),
                saved.labels(),
                saved.mutualPredictability(),
                saved.history(),
                saved.bestLabels(),
                saved.bestMutualPredictability(),
                saved.saved());
    // written when checkpointEvery iterations have passed since the chain's last write (an
    // annealing chain offers every iteration; a multi-start chain at the end of each stage), and on
    // cancellation
    int[] lastWritten = {saved == null ? 0 : saved.iteration()};
    LastOffer last = new LastOffer();
    Problem.CheckpointSink sink =
        (p, it, supplier) -> {
          last.iteration = it;
          last.checkpoint = supplier;
          last.rng = p.random.state();
          last.counters = p.counters();
          last.written = false;
          if (store != null && (it - lastWritten[0] >= config.checkpointEvery() || p.cancelled())) {
            lastWritten[0] = it;
            last.written = true;
            store.updateChain(
                batch,
                CheckpointStore.ChainData.of(chain, seed, false, supplier.get(), -1, last.rng, last.counters),
                p.cancelled());
            config.listener().onCheckpoint(store.file());
          }
        };
    Problem.Chain place =
        Problem.chain(batch, chain, seed)
            .listener(config.listener())
            .cancelled(cancelled)
            .abortWhen(abort)
            .sink(sink)
            .memo(config.scoreMemo());
    if (saved != null) {
      place.resumed(
          saved.done() ? null : resume, saved.rng(), saved.calls(), saved.queries(), saved.tokens());
    }
    Problem problem =
        new Problem(
            index, config.settings(), scorer,
            TrustedLabels.fixed(index.examples, config.trusted(), config.labelSpace()), place);
    ChainOutcome outcome;
    if (saved != null && saved.done()) {
      List<SearchState> ends = new ArrayList<>();
      for (ChainCheckpoint.Saved e : saved.saved()) {
        ends.add(problem.restore(new ChainCheckpoint(0, 0, e.labels(), e.mutualPredictability(), List.of())));
      }
      SearchState state = problem.restore(java.util.Objects.requireNonNull(resume, "built whenever a chain was saved"));
      outcome =
          ends.isEmpty()
              ? new ChainOutcome(state, saved.iteration(), saved.accepted(), saved.history(), false)
              : new ChainOutcome(
                  state, saved.iteration(), saved.accepted(), saved.history(), false, ends, saved.bestEnd());
    } else {
      try {
        outcome = config.search().search(problem);
      } catch (Scoring.Interrupted e) {
        if (e.byInterrupt()) {
          Thread.currentThread().interrupt(); // the scorer may have cleared it
        }
        outcome = interrupted(problem, last, resume);
        if (store != null && last.checkpoint != null && !last.written) {
          // the last state the chain offered: a later run resumes from it
          store.updateChain(
              batch,
              CheckpointStore.ChainData.of(
                  chain, seed, false, last.checkpoint.get(), -1, last.rng, last.counters),
              true);
          config.listener().onCheckpoint(store.file());
        }
      }
      if (outcome == null) {
        throw new IllegalStateException("search strategy " + config.search() + " returned null");
      }
      config.listener().onChainEnd(batch, chain, outcome.state().utility(), outcome.cancelled());
      if (store != null && !outcome.cancelled()) {
        List<ChainCheckpoint.Saved> ends = new ArrayList<>();
        for (SearchState e : outcome.ends()) {
          ends.add(new ChainCheckpoint.Saved(e.labels(), e.mutualPredictability()));
        }
        ChainCheckpoint done =
            new ChainCheckpoint(
                outcome.iterations(), outcome.accepted(), outcome.state().labels(),
                outcome.state().mutualPredictability(), outcome.history(), new int[0], 0, ends);
        store.updateChain(
            batch,
            CheckpointStore.ChainData.of(
                chain, seed, true, done, outcome.bestEnd(), problem.random.state(), problem.counters()),
            false);
      }
    }
    long[] w = problem.counters();
    SearchState s = outcome.state();
    return new ChainRun(
        new ChainSummary(
            chain, seed, s.utility(), s.mutualPredictability(), s.inconsistency(), s.labelledCount(),
            outcome.iterations(), outcome.accepted(), outcome.cancelled()),
        s,
        outcome.history(),
        new RunCounts(outcome.iterations(), outcome.accepted(), w[0], w[1], w[2]),
        outcome.ends(),
        problem);
  }

  /**
   * The outcome of a chain whose scorer call failed because its thread was interrupted: cancelled,
   * with the labeling of highest U the chain had evaluated (or restored), and the iterations,
   * accepted moves and history of the last checkpoint it offered (or resumed from).
   */
  static ChainOutcome interrupted(Problem problem, LastOffer last, @Nullable ChainCheckpoint resume) {
    ChainCheckpoint cp = last.checkpoint != null ? last.checkpoint.get() : resume;
    SearchState best = problem.bestBuilt();
    if (best == null) {
      best = problem.unscored(); // only the trusted labels, if any: no scorer call
    }
    return cp == null
        ? new ChainOutcome(best, 0, 0, List.of(), true)
        : new ChainOutcome(best, cp.iteration(), cp.accepted(), cp.history(), true);
  }
}
