package org.icm4j.internal;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.icm4j.BatchPlan;
import org.icm4j.BatchSummary;
import org.icm4j.CancellationToken;
import org.icm4j.ChainSummary;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.IcmResult;
import org.icm4j.IcmWarning;
import org.icm4j.LabelDetail;
import org.icm4j.LabelSource;
import org.icm4j.IterationRecord;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.MultiStartSearch;
import org.icm4j.MutualPredictability;
import org.icm4j.PlannedBatch;
import org.icm4j.Provenance;
import org.icm4j.RunCounts;
import org.icm4j.RunStatus;
import org.icm4j.spi.BatchHook;
import org.icm4j.spi.ChainCheckpoint;
import org.icm4j.spi.ChainOutcome;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.SearchSettings;
import org.icm4j.spi.SearchState;
import org.icm4j.spi.SearchStrategy;
import org.jspecify.annotations.Nullable;

/** Runs batches and chains, keeps checkpoints, and assembles the result. */
public final class Engine {
  private Engine() {}

  /** Everything {@link org.icm4j.Icm.Builder} configures. Immutable. */
  public record Config(
      LabelScorer scorer,
      LabelSpace labelSpace,
      List<ConsistencyRule> rules,
      SearchSettings settings,
      SearchStrategy search,
      int chains,
      int scoreMemo,
      @Nullable Executor executor,
      int batchSize,
      @Nullable BatchHook batchHook,
      IcmListener listener,
      @Nullable Path checkpointFile,
      int checkpointEvery,
      long seed,
      boolean labelEveryExample,
      Map<String, String> trusted) {

    public Config {
      trusted = java.util.Collections.unmodifiableMap(new TreeMap<>(trusted));
    }

    /** The configuration, by name, for provenance and fingerprints. */
    public Map<String, String> describe() {
      Map<String, String> m = new TreeMap<>();
      SearchSettings s = settings;
      m.put("scorer", scorer.getClass().getName());
      scorer.identity().forEach((k, v) -> m.put("scorer." + k, v));
      m.put("labelSpace", labelSpace.names().toString());
      m.put("rules", rules.stream().map(ConsistencyRule::name).toList().toString());
      m.put("search", search.toString());
      m.put("alpha", Double.toString(s.alpha()));
      m.put("mutualPredictability", s.measure().name());
      m.put("initialLabels", Integer.toString(s.initialLabels()));
      if (search instanceof AnnealingSearch) {
        // settings only the annealing reads
        m.put("iterations", Integer.toString(s.iterations()));
        m.put("fixRounds", Integer.toString(s.fixRounds()));
        m.put("proposal", s.proposal().name());
        m.put("schedule", s.schedule().toString());
        m.put("sampler", s.sampler().toString());
        m.put("keepBest", Boolean.toString(s.keepBest()));
      }
      m.put("chains", Integer.toString(chains));
      m.put("scoreMemo", Integer.toString(scoreMemo));
      m.put("batchSize", batchSize == Integer.MAX_VALUE ? "unbounded" : Integer.toString(batchSize));
      m.put("seed", Long.toString(seed));
      m.put("checkpointEvery", checkpointFile == null ? "off" : Integer.toString(checkpointEvery));
      m.put("labelEveryExample", Boolean.toString(labelEveryExample));
      if (!trusted.isEmpty()) {
        m.put("trustedLabels", TrustedLabels.describe(trusted));
      }
      return m;
    }
  }

  /** The outcome of one chain with its work, where its starts ended, and its problem. */
  private record ChainRun(
      ChainSummary summary,
      SearchState state,
      List<IterationRecord> history,
      RunCounts counts,
      List<SearchState> ends,
      Problem problem) {}

  public static IcmResult run(Config config, List<Example> examples, CancellationToken token) {
    long started = System.nanoTime();
    List<Example> sorted = validate(config, examples);
    TrustedLabels.check(sorted, config.trusted(), config.labelSpace(), config.rules());
    List<List<Example>> batches =
        Batches.partition(
            sorted, config.batchSize(), config.seed(), TrustedLabels.groups(sorted, config.trusted()));
    RunLimits.check(batches, config.batchSize()); // a batch too large for the heap fails before any work
    BooleanSupplier cancelled = cancellation(token);
    List<PlannedBatch> planned = plan(batches).batches();
    if (config.checkpointFile() == null) {
      return runBatches(config, sorted, batches, planned, cancelled, null, started);
    }
    try (CheckpointStore store =
        CheckpointStore.open(config.checkpointFile(), expected(config, sorted, batches))) {
      return runBatches(config, sorted, batches, planned, cancelled, store, started);
    }
  }

  private static BooleanSupplier cancellation(CancellationToken token) {
    Thread caller = Thread.currentThread();
    return () -> token.isCancelled() || caller.isInterrupted();
  }

  /** {@link org.icm4j.Icm#plan}. */
  public static BatchPlan plan(Config config, List<Example> examples) {
    List<Example> sorted = validate(config, examples);
    TrustedLabels.check(sorted, config.trusted(), config.labelSpace(), config.rules());
    return plan(
        Batches.partition(
            sorted, config.batchSize(), config.seed(), TrustedLabels.groups(sorted, config.trusted())));
  }

  private static BatchPlan plan(List<List<Example>> batches) {
    List<PlannedBatch> out = new ArrayList<>(batches.size());
    for (int b = 0; b < batches.size(); b++) {
      List<String> ids = batches.get(b).stream().map(Example::id).toList();
      out.add(new PlannedBatch(b, batches.size(), Batches.key(ids), ids));
    }
    return new BatchPlan(out);
  }

  /** {@link org.icm4j.Icm#runBatch}. */
  public static IcmResult runBatch(
      Config config, PlannedBatch batch, List<Example> examples, CancellationToken token) {
    long started = System.nanoTime();
    if (config.checkpointFile() != null) {
      throw new IllegalStateException(
          "runBatch runs one batch and keeps no checkpoint (a failed batch is run again whole and"
              + " gives the same labels): build this pipeline without checkpoint(...), or use run(...)"
              + " for a checkpointed run of the whole data set");
    }
    List<Example> sorted = validate(config, examples);
    List<String> ids = sorted.stream().map(Example::id).toList();
    if (!ids.equals(batch.exampleIds())) {
      Set<String> given = new HashSet<>(ids);
      Set<String> planned = new HashSet<>(batch.exampleIds());
      String missing = batch.exampleIds().stream().filter(id -> !given.contains(id)).findFirst().orElse(null);
      String extra = ids.stream().filter(id -> !planned.contains(id)).findFirst().orElse(null);
      throw new IllegalArgumentException(
          "the examples given for batch " + batch.index() + " (key " + batch.key() + ") are not the"
              + " batch's: " + (missing != null ? "'" + missing + "' is missing" : "'" + extra
              + "' is not in it") + " (" + ids.size() + " given, " + batch.exampleIds().size()
              + " planned); give runBatch exactly the examples whose ids the PlannedBatch lists");
    }
    if (!Batches.key(ids).equals(batch.key())) {
      throw new IllegalArgumentException(
          "batch " + batch.index() + " has key " + batch.key() + ", but its example ids give "
              + Batches.key(ids) + ": take PlannedBatch values from Icm.plan unchanged");
    }
    Map<String, String> trusted = new TreeMap<>();
    for (String id : ids) {
      String y = config.trusted().get(id);
      if (y != null) {
        trusted.put(id, y);
      }
    }
    TrustedLabels.check(sorted, trusted, config.labelSpace(), config.rules());
    List<List<Example>> batches = List.of(sorted);
    RunLimits.check(batches, config.batchSize());
    return runBatches(config, sorted, batches, List.of(batch), cancellation(token), null, started);
  }

  /** {@link org.icm4j.Icm#merge}. */
  public static IcmResult merge(Config config, List<IcmResult> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("no results to merge: give the results of runBatch");
    }
    Map<String, String> configuration = config.describe();
    TreeMap<Integer, BatchSummary> byIndex = new TreeMap<>();
    List<LabelDetail> details = new ArrayList<>();
    Map<String, String> labels = new TreeMap<>();
    Set<String> unlabelled = new java.util.TreeSet<>();
    List<IcmWarning> warnings = new ArrayList<>();
    List<org.icm4j.LabelSuggestion> suggestions = new ArrayList<>();
    RunCounts counts = RunCounts.zero();
    boolean cancelled = false;
    Duration elapsed = Duration.ZERO;
    List<IcmResult> ordered = new ArrayList<>(parts);
    for (int i = 0; i < ordered.size(); i++) {
      IcmResult part = java.util.Objects.requireNonNull(ordered.get(i), "parts must not contain null");
      if (!part.provenance().configuration().equals(configuration)) {
        String key =
            new java.util.TreeSet<>(
                    com.google.common.collect.Sets.union(configuration.keySet(), part.provenance().configuration().keySet()))
                .stream()
                .filter(k -> !java.util.Objects.equals(configuration.get(k), part.provenance().configuration().get(k)))
                .findFirst()
                .orElse("?");
        throw new IllegalArgumentException(
            "result " + i + " was labelled with another configuration than this pipeline's ("
                + key + " is " + part.provenance().configuration().get(key) + " there, "
                + configuration.get(key) + " here): merge only the results of this pipeline's runBatch");
      }
      if (!part.labels().labelSpace().equals(config.labelSpace())) {
        throw new IllegalArgumentException("result " + i + " is in another label space");
      }
      for (BatchSummary s : part.batches()) {
        if (byIndex.put(s.index(), s) != null) {
          throw new IllegalArgumentException(
              "batch " + s.index() + " appears in more than one result: merge each batch's result once");
        }
      }
      details.addAll(part.details());
      labels.putAll(part.labels().asMap());
      unlabelled.addAll(part.labels().unlabelledIds());
      counts = counts.plus(part.counts());
      cancelled |= part.status() == RunStatus.CANCELLED;
      elapsed = elapsed.plus(part.elapsed());
    }
    ordered.sort(Comparator.comparingInt(r -> r.batches().isEmpty() ? -1 : r.batches().get(0).index()));
    for (IcmResult part : ordered) {
      warnings.addAll(part.warnings());
      suggestions.addAll(part.suggestions());
    }
    return assemble(
        config, new Labeling(config.labelSpace(), labels, unlabelled), new ArrayList<>(byIndex.values()),
        details, counts, cancelled, elapsed, warnings, suggestions);
  }

  private static IcmResult runBatches(
      Config config,
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
      List<ChainRun> runs = runChains(config, index, scorer, b, plannedBatch.key(), cancelled, store);
      ChainRun best = runs.get(0);
      for (ChainRun r : runs) {
        if (r.state().utility() > best.state().utility()) {
          best = r;
        }
      }
      boolean batchCancelled = runs.stream().anyMatch(r -> r.summary().cancelled());
      RunCounts batchCounts = RunCounts.zero();
      for (ChainRun r : runs) {
        batchCounts = batchCounts.plus(r.counts());
      }
      int[] kept = best.state().labels();
      int starts = 0;
      int atBest = 0;
      double runnerUp = Double.NaN;
      for (ChainRun r : runs) {
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
      for (ChainRun r : runs) {
        met.addAll(r.ends());
        met.add(r.state());
      }
      Problem keptProblem = best.problem();
      List<org.icm4j.AlternativeLabeling> alternatives = List.of();
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
              runs.stream().map(ChainRun::summary).toList(),
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
    return result(config, sorted, labels, summaries, details, counts, wasCancelled, started);
  }

  /**
   * A state's leave-one-out rows; without a memo always one fresh call, so that the work counted
   * does not depend on whether the state came from a resumed checkpoint (restored states hold no
   * rows).
   */
  private static double[][] rows(Problem p, SearchState s) {
    return p.memo.enabled() ? p.leaveOneOutRows(s) : p.leaveOneOutRows(s, true);
  }

  /** Each labelled example's label, source and leave-one-out probability in the final labeling. */
  private static List<LabelDetail> details(Problem p, SearchState s, boolean[] completed, double[][] rows) {
    List<LabelDetail> out = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      int y = s.label(i);
      if (y >= 0) {
        double probability = Math.exp(Completion.logProbability(rows[i], y));
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

  /** What a batch's summary says may be wrong. */
  static List<IcmWarning> warnings(Config config, BatchSummary s) {
    List<IcmWarning> out = new ArrayList<>();
    if (s.cancelled()) {
      return out;
    }
    boolean annealing = config.search() instanceof AnnealingSearch;
    if (s.startsAtBest() < 2) {
      String more =
          annealing
              ? "run more chains (chains(" + Math.max(4, 2 * config.chains()) + "))"
              : config.search() instanceof org.icm4j.MultiStartSearch m
                  ? "raise the starts (search(Searches.multiStart().withStarts(" + Math.max(16, 2 * m.starts()) + ")))"
                  : "search again with more starts or chains";
      out.add(
          new IcmWarning(
              IcmWarning.Kind.UNCONFIRMED,
              s.index(),
              String.format(
                  java.util.Locale.ROOT,
                  "the best labeling (U %.4g) was reached by %d of %d starts%s: the search does not"
                      + " confirm it, and another labeling of higher U may exist; %s and check that"
                      + " the labels stay the same",
                  s.utility(),
                  s.startsAtBest(),
                  s.starts(),
                  Double.isNaN(s.runnerUpUtility())
                      ? ""
                      : String.format(java.util.Locale.ROOT, " (the best other ended at U %.4g)", s.runnerUpUtility()),
                  more)));
    }
    if (s.inconsistency() > 0) {
      out.add(
          new IcmWarning(
              IcmWarning.Kind.RULES_BROKEN,
              s.index(),
              "the labels break "
                  + s.inconsistency()
                  + " consistency rule"
                  + (s.inconsistency() == 1 ? "" : "s")
                  + " (I = "
                  + s.inconsistency()
                  + (annealing
                      ? "): the paper's annealing weighs rules against alpha * P; lower alpha, or use the"
                          + " default search, which treats rules as constraints"
                      : "): no assignment of some group satisfies every rule; check the rules")));
    }
    if (s.completed() > 0) {
      out.add(
          new IcmWarning(
              IcmWarning.Kind.COMPLETED_AFTER_SEARCH,
              s.index(),
              "the search labelled "
                  + (s.exampleIds().size() - s.completed())
                  + " of "
                  + s.exampleIds().size()
                  + " examples; the model labelled the other "
                  + s.completed()
                  + " from those (LabelSource.COMPLETION), labels the search never weighed against"
                  + " each other: the default search labels every example itself"));
    }
    return out;
  }

  /** {@link org.icm4j.Icm#energy}. */
  public static org.icm4j.Energy energy(Config config, List<Example> examples, org.icm4j.Labeling labeling) {
    List<Example> sorted = sortedUnique(examples);
    if (!labeling.labelSpace().equals(config.labelSpace())) {
      throw new IllegalArgumentException(
          "the labeling's label space "
              + labeling.labelSpace().names()
              + " is not this pipeline's "
              + config.labelSpace().names());
    }
    Map<String, Integer> position = new java.util.HashMap<>();
    for (int i = 0; i < sorted.size(); i++) {
      position.put(sorted.get(i).id(), i);
    }
    int[] labels = new int[sorted.size()];
    java.util.Arrays.fill(labels, -1);
    for (Map.Entry<String, String> e : new TreeMap<>(labeling.asMap()).entrySet()) {
      Integer i = position.get(e.getKey());
      if (i == null) {
        throw new IllegalArgumentException(
            "the labeling labels '" + e.getKey() + "', which is not among the " + sorted.size()
                + " examples: label only examples of the batch");
      }
      labels[i] = config.labelSpace().indexOf(e.getValue());
    }
    List<Example> labelled = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      if (labels[i] >= 0) {
        labelled.add(sorted.get(i));
      }
    }
    if (!labelled.isEmpty()) {
      config.scorer().checkBatch(config.labelSpace(), labelled); // the contexts P will need
    }
    // one evaluation: nothing to remember
    Problem p =
        Problem.standalone(
            sorted, config.labelSpace(), config.rules(), config.settings(), config.scorer(), config.seed(), 0);
    SearchState s;
    try {
      s = p.evaluate(labels);
    } catch (Scoring.Interrupted e) {
      Thread.currentThread().interrupt(); // the scorer may have cleared it
      throw new IcmException(
          "interrupted while the scorer scored the labeling (first labelled example '"
              + labelled.get(0).id() + "'): no energy computed",
          labelled.get(0).id(), e.getCause());
    }
    return new org.icm4j.Energy(s.utility(), s.mutualPredictability(), s.inconsistency(), s.labelledCount());
  }

  private static List<Example> validate(Config config, List<Example> examples) {
    List<Example> sorted = sortedUnique(examples);
    if (config.search() instanceof AnnealingSearch && config.settings().initialLabels() > examples.size()) {
      throw new IllegalArgumentException(
          "initialLabels (K="
              + config.settings().initialLabels()
              + ") is larger than the data set ("
              + examples.size()
              + " examples): lower K or add examples");
    }
    return sorted;
  }

  private static List<Example> sortedUnique(List<Example> examples) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("the data set is empty: give at least one example to label");
    }
    Set<String> ids = new HashSet<>();
    for (Example e : examples) {
      java.util.Objects.requireNonNull(e, "examples must not contain null");
      if (!ids.add(e.id())) {
        throw new IllegalArgumentException(
            "duplicate example id '" + e.id() + "': every example needs a unique id");
      }
    }
    List<Example> sorted = new ArrayList<>(examples);
    sorted.sort(Comparator.comparing(Example::id));
    return sorted;
  }

  /**
   * Asks the scorer to check a batch; {@code false} when the check failed because the thread was
   * interrupted (the interrupt flag is then set), which cancels the run.
   */
  private static boolean checkBatch(LabelScorer scorer, LabelSpace space, List<Example> batch) {
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

  private static List<ChainRun> runChains(
      Config config,
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
   * The chains of one batch on the executor. The first chain to fail stops the others: its
   * failure raises the batch's abort flag, after which no scorer call starts and every chain sees
   * cancellation; {@link #run} waits until every chain has stopped, then throws the first failure
   * with the others suppressed. A chain that ends cancelled (the token, an interrupt of its own
   * thread, or of the calling thread) cancels the others. An interrupt of the calling thread while
   * it waits is passed on to the threads running this batch's chains (so that a scorer blocked
   * in I/O wakes up) and restored before {@code run} returns; an interrupt this class caused is
   * cleared before the executor's thread is given back.
   */
  private static final class ParallelChains {
    private final Config config;
    private final GroupIndex index;
    private final LabelScorer scorer;
    private final int batch;
    private final String key;
    private final @Nullable CheckpointStore store;
    private final int k;
    /** Some chain ended cancelled or failed, or the caller was interrupted: every chain stops. */
    private final AtomicBoolean stop = new AtomicBoolean();
    /** Some chain failed: no scorer call starts. */
    private final AtomicBoolean abort = new AtomicBoolean();
    private final BooleanSupplier chainCancelled;
    private final ChainRun[] runs;
    private final List<Throwable> failures = new ArrayList<>();
    private final java.util.concurrent.CountDownLatch done;
    /** Guarded by {@code this}: the thread running each chain, and whether this class interrupted it. */
    private final @Nullable Thread[] running;
    private final boolean[] interruptedHere;
    /** Guarded by {@code this}: the caller was interrupted; chains starting later are too. */
    private boolean interruptRequested;

    ParallelChains(
        Config config,
        GroupIndex index,
        LabelScorer scorer,
        int batch,
        String key,
        BooleanSupplier cancelled,
        @Nullable CheckpointStore store) {
      this.config = config;
      this.index = index;
      this.scorer = scorer;
      this.batch = batch;
      this.key = key;
      this.store = store;
      this.k = config.chains();
      this.runs = new ChainRun[k];
      this.done = new java.util.concurrent.CountDownLatch(k);
      this.running = new Thread[k];
      this.interruptedHere = new boolean[k];
      this.chainCancelled =
          () -> {
            if (stop.get() || abort.get() || cancelled.getAsBoolean()) {
              return true;
            }
            if (Thread.currentThread().isInterrupted()) {
              stop.set(true); // the executor's thread was interrupted: the batch stops
              return true;
            }
            return false;
          };
    }

    List<ChainRun> run() {
      int submitted = 0;
      try {
        for (; submitted < k; submitted++) {
          int chain = submitted;
          config.executor().execute(() -> runOne(chain));
        }
      } catch (RuntimeException | Error e) {
        fail(e); // the executor refused a chain: stop the ones it took
        for (int c = submitted; c < k; c++) {
          done.countDown();
        }
      }
      boolean interrupted = false;
      while (true) {
        try {
          done.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
          stop.set(true);
          interruptRunning();
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      List<Throwable> failed;
      synchronized (this) {
        failed = List.copyOf(failures);
      }
      if (!failed.isEmpty()) {
        Throwable first = failed.get(0);
        for (Throwable other : failed.subList(1, failed.size())) {
          if (other != first) {
            first.addSuppressed(other);
          }
        }
        if (first instanceof RuntimeException re) {
          throw re;
        }
        if (first instanceof Error err) {
          throw err;
        }
        throw new IcmException("a chain of batch " + batch + " failed: " + first, first);
      }
      for (int c = 0; c < k; c++) {
        if (runs[c] == null) {
          throw new IllegalStateException(
              "chain " + c + " of batch " + batch + " stopped after a scorer failure that its search"
                  + " strategy " + config.search() + " caught: a strategy must let scorer failures through");
        }
      }
      return java.util.Arrays.asList(runs);
    }

    private void runOne(int chain) {
      synchronized (this) {
        running[chain] = Thread.currentThread();
        if (interruptRequested) {
          // started after the caller was interrupted: interrupted as the running chains were
          interruptedHere[chain] = true;
          Thread.currentThread().interrupt();
        }
      }
      try {
        ChainRun r = runChain(config, index, scorer, batch, key, chain, chainCancelled, store, abort);
        runs[chain] = r;
        if (r.summary().cancelled()) {
          stop.set(true);
        }
      } catch (Scoring.Aborted e) {
        // stopped because another chain failed: that failure is the one reported
      } catch (Throwable e) {
        fail(e);
      } finally {
        synchronized (this) {
          running[chain] = null;
          if (interruptedHere[chain]) {
            Thread.interrupted(); // the interrupt was this run's, not the executor's
          }
        }
        done.countDown();
      }
    }

    private void fail(Throwable e) {
      abort.set(true);
      stop.set(true);
      synchronized (this) {
        failures.add(e);
      }
    }

    private synchronized void interruptRunning() {
      interruptRequested = true;
      for (int c = 0; c < k; c++) {
        Thread t = running[c];
        if (t != null && t != Thread.currentThread() && !interruptedHere[c]) {
          interruptedHere[c] = true;
          t.interrupt();
        }
      }
    }
  }

  /**
   * The last checkpoint a chain offered, with its generator state and counters at that moment: what
   * a chain interrupted inside a scorer call reports and saves.
   */
  private static final class LastOffer {
    int iteration;
    java.util.function.@Nullable Supplier<ChainCheckpoint> checkpoint;
    long rng;
    long[] counters = new long[3];
    boolean written;
  }

  private static ChainRun runChain(
      Config config,
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
    Problem problem =
        new Problem(
            index, config.settings(), scorer, seed, config.listener(), cancelled,
            saved != null && !saved.done() ? resume : null, sink, batch, chain, config.scoreMemo(),
            TrustedLabels.fixed(index.examples, config.trusted(), config.labelSpace()));
    if (abort != null) {
      problem.scoring.stopWhen(abort);
    }
    ChainOutcome outcome;
    if (saved != null) {
      problem.random.setState(saved.rng());
      problem.setCounters(saved.calls(), saved.queries(), saved.tokens());
    }
    if (saved != null && saved.done()) {
      List<SearchState> ends = new ArrayList<>();
      for (ChainCheckpoint.Saved e : saved.saved()) {
        ends.add(problem.restore(new ChainCheckpoint(0, 0, e.labels(), e.mutualPredictability(), List.of())));
      }
      SearchState state = problem.restore(resume);
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
  private static ChainOutcome interrupted(Problem problem, LastOffer last, @Nullable ChainCheckpoint resume) {
    ChainCheckpoint cp = last.checkpoint != null ? last.checkpoint.get() : resume;
    SearchState best = problem.bestBuilt();
    if (best == null) {
      best = problem.unscored(); // only the trusted labels, if any: no scorer call
    }
    return cp == null
        ? new ChainOutcome(best, 0, 0, List.of(), true)
        : new ChainOutcome(best, cp.iteration(), cp.accepted(), cp.history(), true);
  }

  private static void collect(LabelSpace space, List<Example> batch, int[] batchLabels, Map<String, String> into) {
    for (int i = 0; i < batch.size(); i++) {
      if (batchLabels[i] >= 0) {
        into.put(batch.get(i).id(), space.name(batchLabels[i]));
      }
    }
  }

  private static Labeling labeling(LabelSpace space, List<Example> sorted, Map<String, String> labels) {
    Set<String> unlabelled = new HashSet<>();
    for (Example e : sorted) {
      if (!labels.containsKey(e.id())) {
        unlabelled.add(e.id());
      }
    }
    return new Labeling(space, labels, unlabelled);
  }

  private static IcmResult result(
      Config config,
      List<Example> sorted,
      Map<String, String> labels,
      List<BatchSummary> summaries,
      List<LabelDetail> details,
      RunCounts counts,
      boolean cancelled,
      long started) {
    Map<String, LabelDetail> byId = new java.util.HashMap<>();
    for (LabelDetail d : details) {
      byId.put(d.exampleId(), d);
    }
    Map<String, String> groupOf = new java.util.HashMap<>();
    for (Example e : sorted) {
      groupOf.put(e.id(), e.group());
    }
    List<IcmWarning> warnings = new ArrayList<>();
    List<org.icm4j.LabelSuggestion> suggestions = new ArrayList<>();
    for (BatchSummary s : summaries) {
      warnings.addAll(warnings(config, s));
      if (!s.cancelled()) {
        warnings.addAll(Doubt.warnings(s, config.labelSpace(), labels, byId));
        suggestions.addAll(Doubt.suggestions(s, labels, byId, groupOf));
      }
    }
    return assemble(
        config, labeling(config.labelSpace(), sorted, labels), summaries, details, counts, cancelled,
        Duration.ofNanos(System.nanoTime() - started), warnings, suggestions);
  }

  /** The result of these batches: their totals, and the suggestions in order of score. */
  private static IcmResult assemble(
      Config config,
      Labeling labeling,
      List<BatchSummary> summaries,
      List<LabelDetail> details,
      RunCounts counts,
      boolean cancelled,
      Duration elapsed,
      List<IcmWarning> warnings,
      List<org.icm4j.LabelSuggestion> suggestions) {
    double utility = 0;
    double mp = 0;
    int inconsistency = 0;
    long labelledTotal = 0;
    List<IterationRecord> history = new ArrayList<>();
    for (BatchSummary s : summaries) {
      utility += s.utility();
      inconsistency += s.inconsistency();
      ChainSummary best = s.chains().get(s.bestChain());
      if (config.settings().measure() == MutualPredictability.SUM_LOG_PROB) {
        mp += s.mutualPredictability();
      } else {
        mp += s.mutualPredictability() * best.labelled();
        labelledTotal += best.labelled();
      }
      history.addAll(s.history());
    }
    if (config.settings().measure() == MutualPredictability.MEAN_SIGNED_LOG_ODDS && labelledTotal > 0) {
      mp /= labelledTotal;
    }
    List<org.icm4j.LabelSuggestion> sorted = new ArrayList<>(suggestions);
    sorted.sort(
        Comparator.comparingDouble(org.icm4j.LabelSuggestion::score)
            .reversed()
            .thenComparingInt(org.icm4j.LabelSuggestion::batch));
    return new IcmResult(
        labeling,
        utility,
        mp,
        inconsistency,
        cancelled ? RunStatus.CANCELLED : RunStatus.COMPLETE,
        counts,
        history,
        summaries,
        provenance(config),
        elapsed,
        details.stream().sorted(Comparator.comparing(LabelDetail::exampleId)).toList(),
        warnings,
        suggestions.isEmpty() ? List.of() : sorted);
  }

  static Provenance provenance(Config config) {
    return new Provenance(
        libraryVersion(),
        config.describe(),
        config.seed(),
        System.getProperty("java.version", "unknown"),
        System.getProperty("os.name", "unknown") + " " + System.getProperty("os.version", ""),
        System.getProperty("os.arch", "unknown"));
  }

  /** icm4j's version, from the properties file Maven writes at build time. */
  public static String libraryVersion() {
    try (InputStream in = Engine.class.getResourceAsStream("/org/icm4j/icm4j.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The configuration a checkpoint's fingerprint covers: {@link Config#describe()} with the
   * scorer's class name (a lambda's without its per-JVM suffix), without the memo's size, which
   * changes no result.
   */
  static Map<String, String> fingerprinted(Config config) {
    Map<String, String> d = new TreeMap<>(config.describe());
    d.put("scorer", scorerClass(config.scorer()));
    d.remove("scoreMemo");
    return d;
  }

  /**
   * The scorer's class name; for a lambda or other hidden class the name up to {@code $$Lambda},
   * which the next JVM gives it too (the rest is a counter and an address).
   */
  static String scorerClass(LabelScorer scorer) {
    String name = scorer.getClass().getName();
    int lambda = name.indexOf("$$Lambda");
    return lambda < 0 ? name : name.substring(0, lambda + "$$Lambda".length());
  }

  /** Identifies configuration + seed + data, so a checkpoint is only resumed by the same run. */
  static String fingerprint(Config config, List<Example> sorted) {
    Hasher h = Hashing.sha256().newHasher();
    fingerprinted(config).forEach(
        (k, v) -> h.putString(k, StandardCharsets.UTF_8).putByte((byte) 0).putString(v, StandardCharsets.UTF_8).putByte((byte) 1));
    for (Example e : sorted) {
      h.putString(e.id(), StandardCharsets.UTF_8).putByte((byte) 0);
      h.putString(e.prompt(), StandardCharsets.UTF_8).putByte((byte) 0);
      h.putString(e.group(), StandardCharsets.UTF_8).putByte((byte) 0);
      e.attributes().forEach((k, v) -> h.putString(k, StandardCharsets.UTF_8).putByte((byte) 2).putString(v, StandardCharsets.UTF_8).putByte((byte) 3));
      h.putByte((byte) 4);
    }
    return h.hash().toString().substring(0, 32);
  }

  /**
   * What a checkpoint of this run must match, and what its records are checked against. Each
   * example's digests only say which part of it differs when the fingerprint does: they are
   * FarmHash fingerprints (stable, and cheap next to a SHA-256 for 20,000 examples).
   */
  static CheckpointStore.Expected expected(Config config, List<Example> sorted, List<List<Example>> batches) {
    List<CheckpointStore.ExampleDigest> digests = new ArrayList<>(sorted.size());
    for (Example e : sorted) {
      Hasher attributes = Hashing.farmHashFingerprint64().newHasher();
      e.attributes().forEach((k, v) -> attributes.putString(k, StandardCharsets.UTF_8).putByte((byte) 0).putString(v, StandardCharsets.UTF_8).putByte((byte) 1));
      digests.add(
          new CheckpointStore.ExampleDigest(
              e.id(), digest(e.prompt()), digest(e.group()), attributes.hash().toString().substring(0, 8)));
    }
    List<List<String>> ids = new ArrayList<>(batches.size());
    for (List<Example> b : batches) {
      ids.add(b.stream().map(Example::id).toList());
    }
    boolean builtIn =
        config.search() instanceof AnnealingSearch
            || config.search() instanceof MultiStartSearch
            || config.search() instanceof ExhaustiveSearch;
    return new CheckpointStore.Expected(
        fingerprint(config, sorted),
        fingerprinted(config),
        digests,
        ids,
        config.labelSpace(),
        config.chains(),
        config.settings().alpha(),
        config.seed(),
        config.search() instanceof AnnealingSearch ? config.settings().iterations() : Integer.MAX_VALUE,
        builtIn);
  }

  private static String digest(String s) {
    return Hashing.farmHashFingerprint64().hashString(s, StandardCharsets.UTF_8).toString().substring(0, 8);
  }
}
