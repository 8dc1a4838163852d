package org.icm4j;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.icm4j.internal.Engine;
import org.icm4j.result.Energy;
import org.icm4j.result.IcmResult;
import org.icm4j.result.LabelSource;
import org.icm4j.result.RunCounts;
import org.icm4j.result.RunStatus;
import org.icm4j.search.Searches;
import org.icm4j.spi.BatchHook;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.search.ExampleSampler;
import org.icm4j.spi.search.SearchSettings;
import org.icm4j.spi.search.SearchStrategy;
import org.icm4j.spi.search.TemperatureSchedule;
import org.jspecify.annotations.Nullable;

/**
 * An Internal Coherence Maximization pipeline: searches labels for unlabelled examples that
 * maximize {@code U = alpha * P(D) - I(D)}, where P is how well the model predicts each label from
 * all the other labelled examples and I counts violated consistency rules.
 *
 * <pre>{@code
 * Icm icm = Icm.builder()
 *     .scorer(myScorer)                  // a LabelScorer, e.g. from icm-djl
 *     .rule(Rules.exactlyOne())          // candidate answers: exactly one is True
 *     .seed(42)
 *     .build();
 * IcmResult result = icm.run(examples);  // result.labels(), result.utility(), ...
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@link #run} owns no threads (chains run on the calling thread, or
 * on the {@link Builder#executor executor} given) and may be called from several threads at once
 * when the scorer and listener are thread-safe and no checkpoint file is shared.
 */
public final class Icm {
  /** Default alpha, as in the paper's runs (the official script's argument default is 30). */
  public static final double DEFAULT_ALPHA = 50;

  /** Default N per chain and batch (the official script's default is 3000). */
  public static final int DEFAULT_ITERATIONS = 1000;
  /** Default K, as in the paper. */
  public static final int DEFAULT_INITIAL_LABELS = 8;

  /** Default M. */
  public static final int DEFAULT_FIX_ROUNDS = 10;
  /** Default initial temperature of the official schedule. */
  public static final double DEFAULT_T0 = 10;

  /** Default final temperature of the official schedule. */
  public static final double DEFAULT_T_MIN = 0.01;
  /** Default sampling weight of unlabelled examples with labelled group-mates. */
  public static final double DEFAULT_GROUP_MATE_BOOST = 100;

  /** Default {@link Builder#scoreMemo(int)}: labelings (and predictions) remembered per chain. */
  public static final int DEFAULT_SCORE_MEMO = 4096;

  private final Engine.Config config;

  private Icm(Engine.Config config) {
    this.config = config;
  }

  /**
   * A builder with the official code's defaults; {@link Builder#scorer} and {@link Builder#seed} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs ICM on a data set.
   *
   * @param examples the unlabelled examples: non-empty, distinct ids; their order does not matter
   * @return the labels and their energy; never partial unless the run was interrupted
   * @throws IllegalArgumentException for an empty data set, duplicate ids, or K larger than it
   * @throws IcmException when the scorer misbehaves or a checkpoint does not match
   */
  public IcmResult run(List<Example> examples) {
    return run(examples, new CancellationToken());
  }

  /**
   * Runs ICM; cancelling the token (or interrupting the thread) stops the run at the end of the
   * current iteration and returns a partial result with status {@link RunStatus#CANCELLED}.
   *
   * @param examples the examples
   * @param cancellation the cancellation
   * @return runs ICM
   */
  public IcmResult run(List<Example> examples, CancellationToken cancellation) {
    return Engine.run(config, requireNonNull(examples, "examples"), requireNonNull(cancellation, "cancellation"));
  }

  /**
   * How {@link #run} would split these examples into batches: whole groups, shuffled with the
   * seed, computed from the examples' ids and groups (and the trusted labels) alone; the scorer is
   * not called. Each {@link PlannedBatch} can be labelled on its own by {@link #runBatch}, anywhere
   * and in any order, and the parts joined by {@link #merge} (docs/scale.md).
   *
   * @param examples the whole data set: non-empty, distinct ids; their order does not matter
   * @throws IllegalArgumentException for an empty data set, duplicate ids, a group larger than the
   *     batch size, or trusted labels that contradict the rules or name missing examples
   *
   * @return how {@link #run} would split these examples into batches
   */
  public BatchPlan plan(List<Example> examples) {
    return Engine.plan(config, requireNonNull(examples, "examples"));
  }

  /**
   * Labels one batch of a {@link #plan}: the same labels, energy, warnings and work as that batch
   * gets inside {@link #run} on the whole data set with this pipeline (its chains' seeds derive
   * from the run's seed and the batch's key, not from the order batches run in). The {@link
   * Builder#batchHook} is not called (there is no next batch here); a pipeline with a {@link
   * Builder#checkpoint} is refused (a failed batch is run again whole, with the same result).
   * Thread-safe as {@link #run} is: batches may run concurrently on one pipeline if the scorer
   * allows it.
   *
   * @param batch a batch of {@code plan(allExamples)}
   * @param examples exactly the examples whose ids {@code batch} lists, in any order
   * @return the batch's result; join the parts with {@link #merge}
   * @throws IllegalArgumentException when the examples are not the batch's
   * @throws IllegalStateException when the pipeline has a checkpoint
   */
  public IcmResult runBatch(PlannedBatch batch, List<Example> examples) {
    return runBatch(batch, examples, new CancellationToken());
  }

  /**
   * {@link #runBatch(PlannedBatch, List)}, cancellable as {@link #run(List, CancellationToken)}.
   *
   * @param batch the batch
   * @param examples the examples
   * @param cancellation the cancellation
   * @return {@link #runBatch(PlannedBatch, List)}, cancellable as {@link #run(List,
   *     CancellationToken)}
   */
  public IcmResult runBatch(PlannedBatch batch, List<Example> examples, CancellationToken cancellation) {
    return Engine.runBatch(
        config,
        requireNonNull(batch, "batch"),
        requireNonNull(examples, "examples"),
        requireNonNull(cancellation, "cancellation"));
  }

  /**
   * Joins the results of {@link #runBatch} into one result, as {@link #run} would have returned it
   * for these batches: labels, batch summaries in plan order, details, warnings, suggestions,
   * counts and totals; the elapsed time is the sum of the parts'. The parts may come in any order.
   *
   * @throws IllegalArgumentException when no part is given, a batch appears twice, or a part was
   *     labelled with another configuration (its provenance differs from {@link #configuration()})
   *
   * @param parts the parts
   * @return joins the results of {@link #runBatch} into one result, as {@link #run} would have
   *     returned it for these batches
   */
  public IcmResult merge(List<IcmResult> parts) {
    return Engine.merge(config, requireNonNull(parts, "parts"));
  }

  /**
   * The energy of a given labeling of these examples, computed as the search computes it (same
   * scorer, rules, alpha and measure; the examples as one batch, whatever {@link
   * Builder#batchSize}). For diagnosis after a run: if the gold labeling's U is far above the
   * found one's, the search missed it; if it is below, the objective prefers another concept.
   * Gold labels given here never reach a search. Calls the scorer once.
   *
   * @param examples the batch: non-empty, distinct ids
   * @param labeling labels of some of them (the rest count as unlabelled), in this pipeline's label
   *     space
   * @throws IllegalArgumentException for an empty batch, duplicate ids, a labeling in another
   *     label space, or a labelled id that is not among the examples
   *
   * @return the energy of a given labeling of these examples, computed as the search computes it
   *     (same scorer, rules, alpha and measure
   */
  public Energy energy(List<Example> examples, Labeling labeling) {
    return Engine.energy(config, requireNonNull(examples, "examples"), requireNonNull(labeling, "labeling"));
  }

  /**
   * The configuration as recorded in provenance.
   *
   * @return the configuration as recorded in provenance
   */
  public Map<String, String> configuration() {
    return java.util.Collections.unmodifiableMap(config.describe());
  }

  /**
   * Configures an {@link Icm}. Each setter checks its value at once; {@link #build()} checks the
   * combination and leaves the builder unchanged. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable LabelScorer scorer;
    private LabelSpace labelSpace = LabelSpace.binary();
    private final List<ConsistencyRule> rules = new ArrayList<>();
    private double alpha = DEFAULT_ALPHA;
    private int initialLabels = DEFAULT_INITIAL_LABELS;
    private MutualPredictability measure = MutualPredictability.MEAN_SIGNED_LOG_ODDS;
    private SearchStrategy search = Searches.multiStart();
    private boolean labelEveryExample = true;
    private int chains = 1;
    private int scoreMemo = DEFAULT_SCORE_MEMO;
    private @Nullable Executor executor;
    private int batchSize = Integer.MAX_VALUE;
    private @Nullable BatchHook batchHook;
    private IcmListener listener = new IcmListener() {};
    private @Nullable Path checkpointFile;
    private int checkpointEvery;
    private @Nullable Long seed;
    /** Trusted labels by example id, in the order given; checked against the label space at build. */
    private final Map<String, String> trusted = new java.util.LinkedHashMap<>();
    private @Nullable LabelSpace trustedSpace;

    private Builder() {}

    /**
     * The model to ask (required).
     *
     * @param scorer the model to ask (required)
     * @return this builder
     */
    public Builder scorer(LabelScorer scorer) {
      this.scorer = requireNonNull(scorer, "scorer");
      return this;
    }

    /**
     * The labels to choose from; default {@link LabelSpace#binary()}.
     *
     * @param labelSpace the labels to choose from
     * @return this builder
     */
    public Builder labelSpace(LabelSpace labelSpace) {
      this.labelSpace = requireNonNull(labelSpace, "labelSpace");
      return this;
    }

    /**
     * Adds a consistency rule (see {@link Rules} for built-ins).
     *
     * @param rule adds a consistency rule (see {@link Rules} for built-ins)
     * @return this builder
     */
    public Builder rule(ConsistencyRule rule) {
      requireNonNull(rule, "rule");
      checkArgument(
          rules.stream().noneMatch(r -> r.name().equals(rule.name())),
          "a rule named '%s' was already added",
          rule.name());
      rules.add(rule);
      return this;
    }

    /**
     * Adds consistency rules.
     *
     * @param rules adds consistency rules
     * @return this builder
     */
    public Builder rules(List<ConsistencyRule> rules) {
      requireNonNull(rules, "rules").forEach(this::rule);
      return this;
    }

    /**
     * Weight of mutual predictability in U; default 50 (try 20-30 if the search stalls).
     *
     * @param alpha weight of mutual predictability in U
     * @return this builder
     */
    public Builder alpha(double alpha) {
      checkArgument(alpha > 0 && Double.isFinite(alpha), "alpha must be > 0 and finite, but was %s", alpha);
      this.alpha = alpha;
      return this;
    }

    /**
     * K, examples given random balanced labels at the start; default 8. Checked against the data
     * set's size; a batch smaller than K starts with all its examples labelled.
     *
     * @param k K, examples given random balanced labels at the start
     * @return this builder
     */
    public Builder initialLabels(int k) {
      checkArgument(k >= 1, "initialLabels (K) must be >= 1, but was %s", k);
      this.initialLabels = k;
      return this;
    }

    /**
     * How P(D) is computed; default the official mean signed log-odds.
     *
     * @param measure how P(D) is computed
     * @return this builder
     */
    public Builder mutualPredictability(MutualPredictability measure) {
      this.measure = requireNonNull(measure, "measure");
      return this;
    }

    /**
     * Search strategy; default {@link Searches#multiStart()}, which labels every example and treats
     * rules as constraints. {@link Searches#paper()} is the paper's annealing, configured by its own
     * {@code with...} methods ({@code Searches.paper().withIterations(2000)}).
     *
     * @param search search strategy
     * @return this builder
     */
    public Builder search(SearchStrategy search) {
      this.search = requireNonNull(search, "search");
      return this;
    }

    /**
     * Whether every example gets a label (default {@code true}). A search that leaves examples
     * unlabelled ({@link Searches#paper()} labels the ones that raise its U) is followed by a
     * completion: the model predicts the rest with the search's labels as context, and each group
     * takes the assignment that breaks the fewest rules, then the most likely one ({@link
     * LabelSource#COMPLETION} in {@link IcmResult#details()}). {@code false} returns what the search
     * labelled, as the paper does. A cancelled run is never completed.
     *
     * @param labelEveryExample whether every example gets a label (default {@code true})
     * @return this builder
     */
    public Builder labelEveryExample(boolean labelEveryExample) {
      this.labelEveryExample = labelEveryExample;
      return this;
    }

    /**
     * Independent chains per batch (restarts with derived seeds); the one of highest U is kept,
     * and every chain's U is reported. Default 1.
     *
     * @param chains independent chains per batch (restarts with derived seeds)
     * @return this builder
     */
    public Builder chains(int chains) {
      checkArgument(chains >= 1, "chains must be >= 1, but was %s", chains);
      this.chains = chains;
      return this;
    }

    /**
     * How many scores each chain remembers (least recently used first out): the mutual
     * predictability of a labeling it evaluated, and the prediction for an example in a context.
     * A chain that sits on one labeling, or whose ConsistencyFix tries the same options again,
     * then asks the scorer nothing new. Exact, since a {@link LabelScorer} is deterministic by
     * contract: results are the same with any size; only the scorer's work in {@link RunCounts}
     * (calls, queries, tokens) falls. Memory per entry: about one byte per example of the batch
     * (label spaces of up to 254 labels), about 100 bytes of overhead, and 8 bytes per label for
     * a prediction; with the default size and a batch of 1,000 examples, about 5 MB per chain.
     * {@code 0} turns it off (for a scorer that is not deterministic). Recorded in the
     * provenance, not in a checkpoint's fingerprint. Default {@value Icm#DEFAULT_SCORE_MEMO}.
     *
     * @param entries how many scores each chain remembers (least recently used first out)
     * @return this builder
     */
    public Builder scoreMemo(int entries) {
      checkArgument(entries >= 0, "scoreMemo must be >= 0 entries, but was %s", entries);
      this.scoreMemo = entries;
      return this;
    }

    /**
     * Runs the chains of a batch in parallel on this executor (the library creates no threads).
     * The scorer and listener must then be thread-safe. Results do not depend on the executor.
     *
     * @param executor runs the chains of a batch in parallel on this executor (the library creates
     *     no threads)
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Largest batch, in examples: the data set is split into batches of whole groups that are
     * searched one after another (so that contexts fit the model). Default: one batch.
     *
     * @param batchSize largest batch, in examples
     * @return this builder
     */
    public Builder batchSize(int batchSize) {
      checkArgument(batchSize >= 1, "batchSize must be >= 1, but was %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Called between batches; may swap the scorer (e.g. after fine-tuning).
     *
     * @param hook called between batches
     * @return this builder
     */
    public Builder batchHook(BatchHook hook) {
      this.batchHook = requireNonNull(hook, "hook");
      return this;
    }

    /**
     * Receives progress events.
     *
     * @param listener receives progress events
     * @return this builder
     */
    public Builder listener(IcmListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Saves the run's state to {@code file} every {@code everyIterations} iterations of each chain
     * (a crash at any moment leaves a state to resume from), after each chain and batch, and on
     * cancellation. If the file exists when {@link Icm#run} starts, the run resumes from it and
     * continues exactly as the uninterrupted run would have (labels, energies, history; only the
     * scorer's work can be higher, since a resumed chain's score memo starts empty); a file written
     * by another
     * configuration or data set is rejected. Annealing chains offer a checkpoint after every
     * iteration; a custom strategy saves nothing unless it offers checkpoints (the exhaustive one
     * does not).
     *
     * <p>The configuration enters the file's fingerprint through each component's {@code
     * toString()}: give custom schedules, samplers and strategies a stable {@code toString()} (a
     * lambda's contains an identity hash, so its checkpoint is rejected by the next JVM). The
     * scorer's class name is part of it (not the model the scorer loads, which the caller must
     * keep the same): a checkpoint resumes only with a scorer of the class that wrote it, and the
     * message names both classes. A scorer a {@link BatchHook} returned is not restored: the
     * batches after the restored ones use the builder's scorer (pass the hook's scorer, if it is
     * of the same class, to continue with it).
     *
     * <p>The file is a journal: each save appends a line with its checksum, so a save costs the
     * same however long the history; reading checks every line, and a file that was changed, cut
     * short inside its header or written by another run fails with a {@link CheckpointException}
     * naming the file and the line (a last line cut short by a crash is ignored). See
     * docs/architecture.md, "Checkpoints".
     *
     * @param file the file
     * @param everyIterations the every iterations
     * @return this builder
     */
    public Builder checkpoint(Path file, int everyIterations) {
      requireNonNull(file, "file");
      checkArgument(
          everyIterations >= 1, "checkpoint interval must be >= 1 iteration, but was %s", everyIterations);
      this.checkpointFile = file;
      this.checkpointEvery = everyIterations;
      return this;
    }

    /**
     * Labels the user trusts for some examples (a few checked by a person, say). Every search
     * strategy keeps them as given: they are labelled context for every other example and are never
     * changed, and each counts in P like any labelled example (its leave-one-out prediction from the
     * rest of its batch), so a labeling that makes them predictable wins over one that does not.
     * Batches spread the groups that hold trusted labels evenly. The result marks them {@link
     * LabelSource#TRUSTED}; they enter a checkpoint's fingerprint. Calls add up; a second label for
     * the same example fails.
     *
     * <p>These are <i>inputs</i>, not gold labels: gold labels ({@code org.icm4j.eval.GoldLabels})
     * measure a result and never reach the search. {@link Icm#run} fails at once, naming the
     * example, when a trusted label names an example that is not in the data set, or when the
     * trusted labels of a group break a rule that every labeling of the group could keep.
     *
     * @param labels trusted labels, in the label space of {@link #labelSpace} (checked at build)
     * @throws IllegalArgumentException when an example already has another trusted label
     *
     * @return this builder
     */
    public Builder trustedLabels(Labeling labels) {
      requireNonNull(labels, "labels");
      if (trustedSpace != null && !trustedSpace.equals(labels.labelSpace())) {
        throw new IllegalArgumentException(
            "trusted labels in the label space "
                + labels.labelSpace().names()
                + " were given after trusted labels in "
                + trustedSpace.names()
                + ": give every trusted label in the label space of the run");
      }
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(labels.asMap()).entrySet()) {
        String before = trusted.get(e.getKey());
        checkArgument(
            before == null || before.equals(e.getValue()),
            "example '%s' was already given the trusted label '%s', now '%s': trusted labels must not"
                + " contradict each other; give each example one label",
            e.getKey(),
            before,
            e.getValue());
      }
      trustedSpace = labels.labelSpace();
      labels.asMap().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> trusted.put(e.getKey(), e.getValue()));
      return this;
    }

    /**
     * The seed (required): the same seed, data and scorer give the same result, bit for bit.
     *
     * @param seed the seed (required)
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Builds the pipeline.
     *
     * @throws IllegalStateException when the scorer or seed is missing, or annealing options were
     *     set for another search strategy
     *
     * @return builds the pipeline
     */
    public Icm build() {
      checkState(scorer != null, "no scorer set: call scorer(LabelScorer), e.g. a DjlScorer from icm-djl");
      checkState(seed != null, "no seed set: call seed(long); runs are reproducible by seed");
      for (ConsistencyRule rule : rules) {
        rule.validate(labelSpace);
      }
      checkState(
          trustedSpace == null || trustedSpace.equals(labelSpace),
          "the trusted labels are in the label space %s, but the run's label space is %s: build the"
              + " trusted Labeling with the space given to labelSpace(...)",
          trustedSpace == null ? null : trustedSpace.names(),
          labelSpace.names());
      SearchSettings settings = new SearchSettings(initialLabels, alpha, measure);
      return new Icm(
          Engine.Config.builder()
              .scorer(scorer)
              .labelSpace(labelSpace)
              .rules(List.copyOf(rules))
              .settings(settings)
              .search(search)
              .chains(chains)
              .scoreMemo(scoreMemo)
              .executor(executor)
              .batchSize(batchSize)
              .batchHook(batchHook)
              .listener(listener)
              .checkpointFile(checkpointFile)
              .checkpointEvery(checkpointEvery)
              .seed(seed)
              .labelEveryExample(labelEveryExample)
              .trusted(Map.copyOf(trusted))
              .build());
    }
  }
}
