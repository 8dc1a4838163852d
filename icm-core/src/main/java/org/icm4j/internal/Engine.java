package org.icm4j.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.icm4j.BatchPlan;
import org.icm4j.CancellationToken;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.PlannedBatch;
import org.icm4j.internal.checkpoint.CheckpointStore;
import org.icm4j.result.IcmResult;
import org.icm4j.result.Provenance;
import org.icm4j.result.RunCounts;
import org.icm4j.result.RunStatus;
import org.icm4j.spi.BatchHook;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.search.SearchSettings;
import org.icm4j.spi.search.SearchState;
import org.icm4j.spi.search.SearchStrategy;
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

    /** A builder: every component by name (the canonical constructor takes 16 in a row). */
    public static Builder builder() {
      return new Builder();
    }

    /** Sets each component by name; {@link #build} requires the scorer, label space, settings and search. Not thread-safe. */
    public static final class Builder {
      private @Nullable LabelScorer scorer;
      private @Nullable LabelSpace labelSpace;
      private List<ConsistencyRule> rules = List.of();
      private @Nullable SearchSettings settings;
      private @Nullable SearchStrategy search;
      private int chains = 1;
      private int scoreMemo = 0;
      private @Nullable Executor executor;
      private int batchSize = Integer.MAX_VALUE;
      private @Nullable BatchHook batchHook;
      private IcmListener listener = new IcmListener() {};
      private @Nullable Path checkpointFile;
      private int checkpointEvery;
      private long seed;
      private boolean labelEveryExample;
      private Map<String, String> trusted = Map.of();

      public Builder scorer(LabelScorer scorer) {
        this.scorer = scorer;
        return this;
      }

      public Builder labelSpace(LabelSpace labelSpace) {
        this.labelSpace = labelSpace;
        return this;
      }

      public Builder rules(List<ConsistencyRule> rules) {
        this.rules = rules;
        return this;
      }

      public Builder settings(SearchSettings settings) {
        this.settings = settings;
        return this;
      }

      public Builder search(SearchStrategy search) {
        this.search = search;
        return this;
      }

      public Builder chains(int chains) {
        this.chains = chains;
        return this;
      }

      public Builder scoreMemo(int scoreMemo) {
        this.scoreMemo = scoreMemo;
        return this;
      }

      public Builder executor(@Nullable Executor executor) {
        this.executor = executor;
        return this;
      }

      public Builder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      public Builder batchHook(@Nullable BatchHook batchHook) {
        this.batchHook = batchHook;
        return this;
      }

      public Builder listener(IcmListener listener) {
        this.listener = listener;
        return this;
      }

      public Builder checkpointFile(@Nullable Path checkpointFile) {
        this.checkpointFile = checkpointFile;
        return this;
      }

      public Builder checkpointEvery(int checkpointEvery) {
        this.checkpointEvery = checkpointEvery;
        return this;
      }

      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      public Builder labelEveryExample(boolean labelEveryExample) {
        this.labelEveryExample = labelEveryExample;
        return this;
      }

      public Builder trusted(Map<String, String> trusted) {
        this.trusted = trusted;
        return this;
      }

      public Config build() {
        return new Config(
            java.util.Objects.requireNonNull(scorer, "scorer"),
            java.util.Objects.requireNonNull(labelSpace, "labelSpace"),
            rules,
            java.util.Objects.requireNonNull(settings, "settings"),
            java.util.Objects.requireNonNull(search, "search"),
            chains,
            scoreMemo,
            executor,
            batchSize,
            batchHook,
            listener,
            checkpointFile,
            checkpointEvery,
            seed,
            labelEveryExample,
            trusted);
      }
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
      m.putAll(search.describe()); // the strategy's own settings
      m.put("alpha", Double.toString(s.alpha()));
      m.put("mutualPredictability", s.measure().name());
      m.put("initialLabels", Integer.toString(s.initialLabels()));
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

  public static IcmResult run(Config config, List<Example> examples, CancellationToken token) {
    long started = System.nanoTime();
    List<Example> sorted = validate(config, examples);
    List<List<Example>> batches = partition(config, sorted);
    RunLimits.check(batches, config.batchSize()); // a batch too large for the heap fails before any work
    BooleanSupplier cancelled = cancellation(token);
    List<PlannedBatch> planned = plan(batches).batches();
    if (config.checkpointFile() == null) {
      return BatchLoop.runBatches(config, sorted, batches, planned, cancelled, null, started);
    }
    try (CheckpointStore store =
        CheckpointStore.open(config.checkpointFile(), RunFingerprint.expected(config, sorted, batches))) {
      return BatchLoop.runBatches(config, sorted, batches, planned, cancelled, store, started);
    }
  }

  private static BooleanSupplier cancellation(CancellationToken token) {
    Thread caller = Thread.currentThread();
    return () -> token.isCancelled() || caller.isInterrupted();
  }

  /** {@link org.icm4j.Icm#plan}. */
  public static BatchPlan plan(Config config, List<Example> examples) {
    return plan(partition(config, validate(config, examples)));
  }

  /** The run's batches of whole groups, after the trusted labels were checked against the data set. */
  private static List<List<Example>> partition(Config config, List<Example> sorted) {
    TrustedLabels.check(sorted, config.trusted(), config.labelSpace(), config.rules());
    return Batches.partition(
        sorted, config.batchSize(), config.seed(), TrustedLabels.groups(sorted, config.trusted()));
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
    return BatchLoop.runBatches(config, sorted, batches, List.of(batch), cancellation(token), null, started);
  }

  /** {@link org.icm4j.Icm#merge}. */
  public static IcmResult merge(Config config, List<IcmResult> parts) {
    return RunReport.merge(config, parts);
  }

  /** {@link org.icm4j.Icm#energy}. */
  public static org.icm4j.result.Energy energy(Config config, List<Example> examples, org.icm4j.Labeling labeling) {
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
    return new org.icm4j.result.Energy(s.utility(), s.mutualPredictability(), s.inconsistency(), s.labelledCount());
  }

  private static List<Example> validate(Config config, List<Example> examples) {
    List<Example> sorted = sortedUnique(examples);
    config.search().validate(examples.size(), config.settings());
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

}
