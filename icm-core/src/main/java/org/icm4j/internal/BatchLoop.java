package org.icm4j.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.MutualPredictability;
import org.icm4j.PlannedBatch;
import org.icm4j.internal.checkpoint.CheckpointStore;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.LabelSource;
import org.icm4j.result.RunCounts;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.search.SearchState;
import org.jspecify.annotations.Nullable;

/** Runs the batches of a run one after another: each batch's chains, completion, details, alternatives and summary. */
final class BatchLoop {
  private BatchLoop() {}

  static IcmResult runBatches(
      Engine.Config config,
      List<Example> sorted,
      List<List<Example>> batches,
      List<PlannedBatch> planned,
      BooleanSupplier cancelled,
      @Nullable CheckpointStore store,
      long started) {
    List<BatchSummary> summaries = new ArrayList<>();
    List<LabelDetail> details = new ArrayList<>();
    Map<String, String> labels = new TreeMap<>();
    RunCounts counts = RunCounts.zero();
    int resumedBatches = 0;
    if (store != null) {
      for (CheckpointStore.FinishedBatch fb : store.finished()) {
        collect(config.labelSpace(), batches.get(fb.summary().index()), fb.labels(), labels);
        summaries.add(fb.summary());
        details.addAll(fb.details());
        counts = counts.plus(fb.counts());
        resumedBatches++;
      }
    }
    LabelScorer scorer = config.scorer();
    boolean wasCancelled = false;
    for (int at = resumedBatches; at < batches.size(); at++) {
      List<Example> batch = batches.get(at);
      PlannedBatch plannedBatch = planned.get(at);
      int b = plannedBatch.index();
      if (!checkBatch(scorer, config.labelSpace(), batch)) { // fail before any work if a context cannot fit
        wasCancelled = true; // interrupted while the scorer checked the batch
        break;
      }
      config.listener().onBatchStart(b, plannedBatch.planSize(), batch.size());
      GroupIndex index = new GroupIndex(batch, config.labelSpace(), config.rules());
      List<Chains.ChainRun> runs = Chains.runChains(config, index, scorer, b, plannedBatch.key(), cancelled, store);
      Chains.ChainRun best = runs.get(0);
      for (Chains.ChainRun r : runs) {
        if (r.state().utility() > best.state().utility()) {
          best = r;
        }
      }
      boolean batchCancelled = runs.stream().anyMatch(r -> r.summary().cancelled());
      RunCounts batchCounts = RunCounts.zero();
      for (Chains.ChainRun r : runs) {
        batchCounts = batchCounts.plus(r.counts());
      }
      int[] kept = best.state().labels();
      int starts = 0;
      int atBest = 0;
      double runnerUp = Double.NaN;
      for (Chains.ChainRun r : runs) {
        for (SearchState e : r.ends()) {
          starts++;
          if (java.util.Arrays.equals(e.labels(), kept)) {
            atBest++;
          } else if (Double.isNaN(runnerUp) || e.utility() > runnerUp) {
            runnerUp = e.utility();
          }
        }
        if (!java.util.Arrays.equals(r.state().labels(), kept)
            && (Double.isNaN(runnerUp) || r.state().utility() > runnerUp)) {
          runnerUp = r.state().utility();
        }
      }
      long[] before = best.problem().counters();
      SearchState result = best.state();
      boolean[] completed = new boolean[batch.size()];
      int completedCount = 0;
      List<LabelDetail> batchDetails = List.of();
      double @Nullable [] @Nullable [] keptRows = null; // the kept labeling's leave-one-out rows
      try {
        if (!batchCancelled && config.labelEveryExample() && result.labelledCount() < batch.size()) {
          Completion.Completed c = Completion.complete(best.problem(), result);
          result = c.state();
          completed = c.completed();
          completedCount = c.count();
        }
        if (!batchCancelled) {
          keptRows = rows(best.problem(), result);
          batchDetails = details(best.problem(), result, completed, keptRows);
        }
      } catch (Scoring.Interrupted e) {
        // interrupted or cancelled while completing the labels: the batch ends cancelled with the
        // search's labels
        if (e.byInterrupt()) {
          Thread.currentThread().interrupt();
        }
        batchCancelled = true;
        result = best.state();
        completed = new boolean[batch.size()];
        completedCount = 0;
        batchDetails = List.of();
      }
      int[] fixed = TrustedLabels.fixed(batch, config.trusted(), config.labelSpace());
      List<SearchState> met = new ArrayList<>();
      for (Chains.ChainRun r : runs) {
        met.addAll(r.ends());
        met.add(r.state());
      }
      Problem keptProblem = best.problem();
      List<org.icm4j.result.AlternativeLabeling> alternatives = List.of();
      if (!batchCancelled) {
        try {
          SearchState keptState = result;
          alternatives =
              Doubt.alternatives(
                  config.labelSpace(),
                  keptState.labels(),
                  java.util.Objects.requireNonNull(keptRows, "set with the details"),
                  met,
                  e -> rows(keptProblem, e),
                  config.settings().measure() == MutualPredictability.MEAN_SIGNED_LOG_ODDS,
                  fixed);
        } catch (Scoring.Interrupted e) {
          if (e.byInterrupt()) {
            Thread.currentThread().interrupt();
          }
          batchCancelled = true;
        }
      }
      int trustedCount = (int) java.util.Arrays.stream(fixed).filter(y -> y >= 0).count();
      long[] after = best.problem().counters();
      batchCounts =
          batchCounts.plus(new RunCounts(0, 0, after[0] - before[0], after[1] - before[1], after[2] - before[2]));
      BatchSummary summary =
          new BatchSummary(
              b,
              batch.stream().map(Example::id).toList(),
              runs.stream().map(Chains.ChainRun::summary).toList(),
              best.summary().chain(),
              result.utility(),
              result.mutualPredictability(),
              result.inconsistency(),
              best.history(),
              batchCancelled,
              starts,
              atBest,
              runnerUp,
              completedCount,
              trustedCount,
              alternatives);
      int[] batchLabels = result.labels();
      collect(config.labelSpace(), batch, batchLabels, labels);
      summaries.add(summary);
      details.addAll(batchDetails);
      counts = counts.plus(batchCounts);
      config.listener().onBatchEnd(summary);
      if (batchCancelled) {
        wasCancelled = true;
        break;
      }
      if (store != null) {
        store.finishBatch(new CheckpointStore.FinishedBatch(summary, batchLabels, batchCounts, batchDetails));
        config.listener().onCheckpoint(store.file());
      }
      if (config.batchHook() != null && at < batches.size() - 1) {
        Labeling soFar = labeling(config.labelSpace(), sorted, labels);
        scorer = java.util.Objects.requireNonNull(
            config.batchHook().afterBatch(summary, soFar, scorer),
            "the batch hook returned a null scorer");
      }
    }
    return RunReport.result(config, sorted, labels, summaries, details, counts, wasCancelled, started);
  }

  /**
   * A state's leave-one-out rows; without a memo always one fresh call, so that the work counted
   * does not depend on whether the state came from a resumed checkpoint (restored states hold no
   * rows).
   */
  static double[] @Nullable [] rows(Problem p, SearchState s) {
    return p.memo.enabled() ? p.leaveOneOutRows(s) : p.leaveOneOutRows(s, true);
  }

  /** Each labelled example's label, source and leave-one-out probability in the final labeling. */
  static List<LabelDetail> details(
      Problem p, SearchState s, boolean[] completed, double[] @Nullable [] rows) {
    List<LabelDetail> out = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      int y = s.label(i);
      if (y >= 0) {
        double[] row = java.util.Objects.requireNonNull(rows[i], "a labelled example has a leave-one-out row");
        double probability = Math.exp(Completion.logProbability(row, y));
        out.add(
            new LabelDetail(
                p.example(i).id(),
                p.labelSpace().name(y),
                p.trustedLabel(i) >= 0
                    ? LabelSource.TRUSTED
                    : completed[i] ? LabelSource.COMPLETION : LabelSource.SEARCH,
                Math.min(1, Math.max(0, probability))));
      }
    }
    return out;
  }

  /**
   * Asks the scorer to check a batch; {@code false} when the check failed because the thread was
   * interrupted (the interrupt flag is then set), which cancels the run.
   */
  static boolean checkBatch(LabelScorer scorer, LabelSpace space, List<Example> batch) {
    try {
      scorer.checkBatch(space, batch);
      return true;
    } catch (RuntimeException | Error e) {
      if (!(e instanceof VirtualMachineError) && Scoring.isInterrupt(e)) {
        Thread.currentThread().interrupt();
        return false;
      }
      throw e;
    }
  }

  static void collect(LabelSpace space, List<Example> batch, int[] batchLabels, Map<String, String> into) {
    for (int i = 0; i < batch.size(); i++) {
      if (batchLabels[i] >= 0) {
        into.put(batch.get(i).id(), space.name(batchLabels[i]));
      }
    }
  }

  static Labeling labeling(LabelSpace space, List<Example> sorted, Map<String, String> labels) {
    Set<String> unlabelled = new HashSet<>();
    for (Example e : sorted) {
      if (!labels.containsKey(e.id())) {
        unlabelled.add(e.id());
      }
    }
    return new Labeling(space, labels, unlabelled);
  }
}
