package org.icm4j.finetune;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.icm4j.CancellationToken;
import org.icm4j.CheckpointException;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.Rules;
import org.icm4j.internal.CountingScorer;
import org.icm4j.internal.SplitMix64;
import org.icm4j.internal.checkpoint.FineTuningState;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.ChainSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.RunCounts;
import org.icm4j.spi.BatchHook;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;
import org.icm4j.spi.finetune.FineTuningListener;
import org.jspecify.annotations.Nullable;

/**
 * Iterative fine-tuning, the official ICM code's way past one context: split the data into
 * batches that fit the model's context; label batch 1 with the base model; fine-tune the base
 * model on the labels so far to get M1; label batch 2 with M1; fine-tune the base model on the
 * labels of batches 1 and 2 to get M2; and so on. After the last batch the base model is
 * fine-tuned on every label: the final model, which the result hands to the caller.
 *
 * <pre>{@code
 * IterativeFineTuning loop = IterativeFineTuning.builder()
 *     .fineTuner(tuner)                        // e.g. icm-djl's BlockLmFineTuner
 *     .batchSize(32)                           // examples per batch: what fits one context
 *     .icm(icm -> icm.rule(Rules.exactlyOne()))
 *     .seed(1)
 *     .build();
 * try (IterativeFineTuningResult result = loop.run(baseScorer, examples)) {
 *   result.rounds();                           // per round: labels, U, cost, fine-tuning time
 *   result.finalModel().scorer();              // the base model fine-tuned on every label
 * }
 * }</pre>
 *
 * <p>ICM runs once over all the examples, with {@link Icm.Builder#batchSize} batches (whole
 * groups, from a seeded shuffle, as {@link Icm} always batches) and a {@link BatchHook} that
 * fine-tunes after each batch and returns the new model's scorer for the next one. Every other
 * ICM setting comes from {@link Builder#icm}. The fine-tuner sees the examples of the finished
 * batches and ICM's labels, never gold labels; measure rounds against gold with a {@link
 * FineTuningListener} such as {@link org.icm4j.eval.FineTuningEvaluation}.
 *
 * <p>Each model is closed when the next one replaces it; the final model belongs to the caller
 * (close the result). Examples ICM leaves unlabelled are passed to the fine-tuner in the request but
 * not trained on (see {@link FineTuneRequest}). After a batch with no label so far nothing is
 * fine-tuned and the current model labels the next batch.
 *
 * <p>Failures and resuming: a fine-tuner that throws ends the run with a {@link
 * FineTuningException} that names the round, keeps the fine-tuner's exception as its cause and
 * holds the rounds done and the labels so far. With {@link Builder#checkpoint(Path, int)} a run
 * killed or failed in round {@code r} is resumed by a run with the same settings, examples and file
 * from its last finished round, to the uninterrupted run's result.
 *
 * <p>Determinism: with a deterministic scorer and fine-tuner, the same seed and examples give the
 * same labels, bit for bit. ICM's seed is the loop's seed; fine-tuning request {@code j} gets a seed
 * derived from it and {@code j}.
 *
 * <p>Immutable and thread-safe; a run calls the fine-tuner and the listener on its own thread.
 */
public final class IterativeFineTuning {

  private final FineTuner fineTuner;
  private final int batchSize;
  private final long seed;
  private final Consumer<Icm.Builder> icmSettings;
  private final FineTuningListener listener;
  private final @Nullable Path checkpoint;
  private final int checkpointEvery;
  /** What a resumed run must share with the one that wrote the checkpoint. */
  private final Map<String, String> fingerprinted;
  private final @Nullable LabelSpace labelSpace;

  private IterativeFineTuning(Builder b, Map<String, String> fingerprinted, @Nullable LabelSpace labelSpace) {
    this.fineTuner = requireNonNull(b.fineTuner);
    this.batchSize = b.batchSize;
    this.seed = requireNonNull(b.seed);
    this.icmSettings = b.icmSettings;
    this.listener = b.listener;
    this.checkpoint = b.checkpoint;
    this.checkpointEvery = b.checkpointEvery;
    this.fingerprinted = fingerprinted;
    this.labelSpace = labelSpace;
  }

  /**
   * ICM's checkpoint of a loop whose state file is {@code file}: {@code <file>.icm}.
   *
   * @param file the file
   * @return ICM's checkpoint of a loop whose state file is {@code file}
   */
  public static Path icmCheckpoint(Path file) {
    return file.resolveSibling(file.getFileName() + ".icm");
  }

  /**
   * A builder; {@link Builder#fineTuner}, {@link Builder#batchSize} and {@link Builder#seed} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The seed of fine-tuning request {@code round} of a loop with this seed.
   *
   * @param seed the loop's seed
   * @param round the 0-based round
   * @return the request's seed
   */
  public static long fineTuningSeed(long seed, int round) {
    return SplitMix64.derive(seed, 0xF1E7L, round);
  }

  /**
   * Runs the loop.
   *
   * @param base the scorer over the base model, which labels the first batch (not closed)
   * @param examples the unlabelled examples: non-empty, distinct ids
   * @return the labels of every batch, the rounds and the final model (close it)
   * @throws IllegalArgumentException as {@link Icm#run}
   * @throws FineTuningException when the fine-tuner fails: the message names the round, the cause
   *     is the fine-tuner's exception, and the exception keeps the rounds done and the labels so
   *     far; every model fine-tuned so far is closed. With {@link Builder#checkpoint} set, a run
   *     with the same file resumes from the last finished round
   * @throws IcmException when the scorer fails, or a checkpoint cannot be resumed (saying why)
   */
  public IterativeFineTuningResult run(LabelScorer base, List<Example> examples) {
    return run(base, examples, new CancellationToken());
  }

  /**
   * Runs the loop; cancelling the token (or interrupting the thread) stops ICM as {@link
   * Icm#run(List, CancellationToken)} does, and then nothing more is fine-tuned: the result holds
   * the rounds done and the latest model, if any.
   *
   * @param base the scorer over the base model, which labels the first batch (not closed)
   * @param examples the unlabelled examples
   * @param cancellation stops the run
   * @return the labels, the rounds done and the latest model
   */
  public IterativeFineTuningResult run(
      LabelScorer base, List<Example> examples, CancellationToken cancellation) {
    requireNonNull(base, "base");
    requireNonNull(examples, "examples");
    requireNonNull(cancellation, "cancellation");
    Map<String, Example> byId = new HashMap<>();
    for (Example e : examples) {
      byId.put(requireNonNull(e, "examples must not contain null").id(), e);
    }
    if (checkpoint == null) {
      return run(base, examples, byId, cancellation, null);
    }
    try (FineTuningState state = FineTuningState.open(checkpoint, fingerprinted, examples)) {
      return run(base, examples, byId, cancellation, state);
    }
  }

  private IterativeFineTuningResult run(
      LabelScorer base,
      List<Example> examples,
      Map<String, Example> byId,
      CancellationToken cancellation,
      @Nullable FineTuningState state) {
    Loop loop = new Loop(base, byId, state);
    IcmResult result;
    try {
      LabelScorer first = state == null ? base : loop.resume();
      loop.counting = new CountingScorer(first);
      loop.roundStart = System.nanoTime();
      result = icm(loop.counting, loop).run(examples, cancellation);
      if (result.isComplete() && loop.rounds.size() < result.batches().size()) {
        BatchSummary last = result.batches().get(result.batches().size() - 1);
        loop.round(last, result.labels(), null);
      }
    } catch (RuntimeException | Error e) {
      loop.closeModel();
      throw e;
    }
    return new IterativeFineTuningResult(result, loop.rounds, loop.model);
  }

  private Icm icm(LabelScorer scorer, BatchHook hook) {
    Icm.Builder b = Icm.builder();
    icmSettings.accept(b);
    b.scorer(scorer).batchSize(batchSize).batchHook(hook).seed(seed);
    if (checkpoint != null) {
      b.checkpoint(icmCheckpoint(checkpoint), checkpointEvery);
    }
    return b.build();
  }

  /** The state of one run: rounds so far, the current model and the scorer's counts. */
  private final class Loop implements BatchHook {
    private final LabelScorer base;
    private final Map<String, Example> byId;
    private final Set<String> finished = new LinkedHashSet<>();
    private final List<FineTuningRound> rounds = new ArrayList<>();
    private final @Nullable FineTuningState state;
    private @Nullable FineTunedModel model;
    private int modelRound = -1;
    private long roundStart = System.nanoTime();
    private CountingScorer counting;

    Loop(LabelScorer base, Map<String, Example> byId, @Nullable FineTuningState state) {
      this.base = base;
      this.byId = byId;
      this.state = state;
      this.counting = new CountingScorer(base);
    }

    @Override
    public LabelScorer afterBatch(BatchSummary finishedBatch, Labeling labelsSoFar, LabelScorer current) {
      return round(finishedBatch, labelsSoFar, null);
    }

    /**
     * Restores the rounds of a checkpoint: the batches ICM's checkpoint holds as finished, the
     * rounds the state file holds, the model of the last of them that fine-tuned (fine-tuned
     * again: the fine-tuner's result is a function of its request), and the round of a batch
     * labelled but not fine-tuned on. Returns the scorer that labels the next batch.
     */
    LabelScorer resume() {
      FineTuningState s = requireNonNull(state);
      Path icmFile = icmCheckpoint(s.file());
      List<FineTuningState.Batch> done = FineTuningState.finishedBatches(icmFile);
      List<FineTuningState.Round> saved = s.rounds();
      if (saved.size() > done.size() || done.size() > saved.size() + 1) {
        throw new CheckpointException(
            "fine-tuning checkpoint " + s.file() + " holds " + saved.size() + " finished rounds, but ICM's"
                + " checkpoint " + icmFile + " holds " + done.size() + " finished batches: one of them was"
                + " replaced or deleted; delete both to start afresh",
            null);
      }
      if (done.isEmpty()) {
        return base;
      }
      LabelSpace space = requireNonNull(labelSpace, "labelSpace");
      Map<String, String> labels = new HashMap<>();
      for (int b = 0; b < done.size(); b++) {
        FineTuningState.Batch batch = done.get(b);
        BatchSummary summary = batch.summary();
        if (summary.index() != b || batch.labels().length != summary.exampleIds().size()) {
          throw new CheckpointException(
              "ICM's checkpoint " + icmFile + " holds batch " + summary.index() + " in place " + b
                  + ": delete it and " + s.file() + " to start afresh",
              null);
        }
        Map<String, String> batchLabels = new HashMap<>();
        Set<String> batchUnlabelled = new HashSet<>();
        for (int i = 0; i < summary.exampleIds().size(); i++) {
          String id = summary.exampleIds().get(i);
          if (!byId.containsKey(id)) {
            throw new CheckpointException(
                "ICM's checkpoint " + icmFile + " labels '" + id + "', which is not among the examples:"
                    + " delete it and " + s.file() + " to start afresh",
                null);
          }
          finished.add(id);
          int y = batch.labels()[i];
          if (y >= 0) {
            batchLabels.put(id, space.name(y));
          } else {
            batchUnlabelled.add(id);
          }
        }
        labels.putAll(batchLabels);
        if (b < saved.size()) {
          FineTuningState.Round r = saved.get(b);
          rounds.add(
              new FineTuningRound(
                  b, r.labelledWith(), summary, new Labeling(space, batchLabels, batchUnlabelled), r.cost(),
                  Duration.ofNanos(r.labellingNanos()), r.fineTuned(), r.trainedOn(),
                  Duration.ofNanos(r.fineTuningNanos()), r.details()));
          if (r.fineTuned()) {
            modelRound = b;
          }
        }
      }
      if (modelRound >= 0) {
        // the model of the last round that fine-tuned, from the labels of its batches
        List<Example> soFar = new ArrayList<>();
        Map<String, String> trainOn = new HashMap<>();
        for (int b = 0; b <= modelRound; b++) {
          for (String id : done.get(b).summary().exampleIds()) {
            soFar.add(byId.get(id));
            String label = labels.get(id);
            if (label != null) {
              trainOn.put(id, label);
            }
          }
        }
        Set<String> unlabelled = new HashSet<>();
        for (Example e : soFar) {
          if (!trainOn.containsKey(e.id())) {
            unlabelled.add(e.id());
          }
        }
        model = fineTune(
            new FineTuneRequest(modelRound, soFar, new Labeling(space, trainOn, unlabelled), fineTuningSeed(seed, modelRound)),
            labels, space);
      }
      if (done.size() == saved.size() + 1) {
        // the batch was labelled, but its round did not finish
        FineTuningState.Batch last = done.get(done.size() - 1);
        return round(last.summary(), Labeling.of(space, labels), last.counts());
      }
      return model == null ? base : model.scorer();
    }

    /** Calls the fine-tuner, turning its failure into a {@link FineTuningException} naming the round. */
    private FineTunedModel fineTune(FineTuneRequest request, Map<String, String> labelsSoFar, LabelSpace space) {
      FineTunedModel next;
      try {
        next = fineTuner.fineTune(request);
      } catch (RuntimeException e) {
        Map<String, String> kept = new HashMap<>();
        for (String id : finished) {
          String label = labelsSoFar.get(id);
          if (label != null) {
            kept.put(id, label);
          }
        }
        throw new FineTuningException(
            "fine-tuning failed in round " + request.round() + " (after batch " + request.round() + ", on "
                + request.labelled().size() + " labelled examples): " + e
                + (state == null
                    ? "; the labels of the " + (request.round() + 1) + " batches labelled so far are in"
                        + " FineTuningException.labels(); set IterativeFineTuning.Builder.checkpoint(file) to"
                        + " resume a failed run from its last finished round"
                    : "; run again with checkpoint " + state.file() + " to resume from this round"),
            request.round(), rounds, new Labeling(space, kept, Set.of()), e);
      }
      if (next == null) {
        throw new IcmException("the fine-tuner returned null for " + request + " (round " + request.round() + ")");
      }
      return next;
    }

    /**
     * Records the batch's round and fine-tunes; returns the scorer for the next batch. {@code
     * restoredCost}: the batch's work as ICM's checkpoint kept it, for a batch labelled before a
     * resume (its labelling time is then unknown: zero).
     */
    LabelScorer round(BatchSummary summary, Labeling labelsSoFar, @Nullable RunCounts restoredCost) {
      long labelled = System.nanoTime();
      RunCounts cost;
      if (restoredCost != null) {
        cost = restoredCost;
      } else {
        long[] now = counting.counts();
        long iterations = 0;
        long accepted = 0;
        for (ChainSummary c : summary.chains()) {
          iterations += c.iterations();
          accepted += c.accepted();
        }
        cost = new RunCounts(iterations, accepted, now[0], now[1], now[2]);
      }
      finished.addAll(summary.exampleIds());
      List<Example> soFar = new ArrayList<>(finished.size());
      Map<String, String> labels = new HashMap<>();
      Set<String> batchIds = new HashSet<>(summary.exampleIds());
      Map<String, String> batchLabels = new HashMap<>();
      Set<String> batchUnlabelled = new HashSet<>();
      for (String id : finished) {
        soFar.add(requireNonNull(byId.get(id), id));
        String label = labelsSoFar.label(id).orElse(null);
        if (label != null) {
          labels.put(id, label);
        }
        if (batchIds.contains(id)) {
          if (label != null) {
            batchLabels.put(id, label);
          } else {
            batchUnlabelled.add(id);
          }
        }
      }
      Set<String> unlabelled = new HashSet<>(finished);
      unlabelled.removeAll(labels.keySet());
      Labeling trainLabels = new Labeling(labelsSoFar.labelSpace(), labels, unlabelled);
      int labelledWith = modelRound;
      boolean tuned = !labels.isEmpty();
      Duration tuningTime = Duration.ZERO;
      Map<String, String> details = Map.of();
      if (tuned) {
        listener.onFineTuningStart(summary.index(), labels.size());
        long t0 = System.nanoTime();
        FineTuneRequest request =
            new FineTuneRequest(summary.index(), soFar, trainLabels, fineTuningSeed(seed, summary.index()));
        FineTunedModel next = fineTune(request, labels, labelsSoFar.labelSpace());
        tuningTime = Duration.ofNanos(System.nanoTime() - t0);
        closeModel();
        model = next;
        modelRound = summary.index();
        details = next.details();
      }
      FineTuningRound round =
          new FineTuningRound(
              summary.index(),
              labelledWith,
              summary,
              new Labeling(labelsSoFar.labelSpace(), batchLabels, batchUnlabelled),
              cost,
              restoredCost != null ? Duration.ZERO : Duration.ofNanos(labelled - roundStart),
              tuned,
              tuned ? labels.size() : 0,
              tuningTime,
              details);
      rounds.add(round);
      if (state != null) {
        state.add(
            new FineTuningState.Round(
                round.index(), round.labelledWith(), cost, round.labellingTime().toNanos(), tuned,
                round.trainedOn(), tuningTime.toNanos(), details));
      }
      LabelScorer next = model == null ? base : model.scorer();
      listener.onRound(round, next);
      counting = new CountingScorer(next);
      roundStart = System.nanoTime();
      return counting;
    }

    void closeModel() {
      if (model != null) {
        model.close();
        model = null;
      }
    }
  }

  /** Configures an {@link IterativeFineTuning}. Each setter checks its value at once. Not thread-safe. */
  public static final class Builder {
    private @Nullable FineTuner fineTuner;
    private int batchSize;
    private @Nullable Long seed;
    private Consumer<Icm.Builder> icmSettings = b -> {};
    private FineTuningListener listener = new FineTuningListener() {};
    private @Nullable Path checkpoint;
    private int checkpointEvery;

    private Builder() {}

    /**
     * Makes the loop resumable: a run killed or failed in round {@code r} (a crash, a fine-tuner
     * that runs out of memory) is resumed by a run with the same settings, examples and file,
     * from its last finished round, to the result of an uninterrupted run (with a deterministic
     * scorer and fine-tuner). The loop keeps its rounds in {@code file} (written whole and
     * atomically after each round) and ICM keeps its batches and chains in {@code <file>.icm},
     * with {@link Icm.Builder#checkpoint} every {@code everyIterations} iterations. A resumed run
     * fine-tunes the latest model again from the base (models are not saved; the contract of
     * {@link FineTuner} makes it the same model), and {@link FineTuningListener#onRound} is called
     * only for the rounds it runs. A checkpoint of other settings, another fine-tuner class or
     * other examples is refused, saying what differs; so is a second run on the same file while
     * one holds it ({@code <file>.lock}).
     *
     * @param file the loop's state file (its directory is created if needed)
     * @param everyIterations ICM's chain checkpoint interval, as {@link Icm.Builder#checkpoint}
     *
     * @return this builder
     */
    public Builder checkpoint(Path file, int everyIterations) {
      requireNonNull(file, "file");
      checkArgument(
          everyIterations >= 1, "checkpoint interval must be >= 1 iteration, but was %s", everyIterations);
      this.checkpoint = file;
      this.checkpointEvery = everyIterations;
      return this;
    }

    /**
     * The trainer (required).
     *
     * @param fineTuner the trainer (required)
     * @return this builder
     */
    public Builder fineTuner(FineTuner fineTuner) {
      this.fineTuner = requireNonNull(fineTuner, "fineTuner");
      return this;
    }

    /**
     * Examples per batch (required): at most what fits the model's context with a query.
     *
     * @param batchSize examples per batch (required)
     * @return this builder
     */
    public Builder batchSize(int batchSize) {
      checkArgument(batchSize >= 1, "batchSize must be >= 1, but was %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /**
     * The seed of ICM and of the fine-tuning requests (required).
     *
     * @param seed the seed of ICM and of the fine-tuning requests (required)
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * ICM's settings (rules, alpha, iterations, chains, listener, ...), applied to a new {@link
     * Icm.Builder} on every run and once by {@link #build()} to check them; it must not have side
     * effects. The scorer, seed, batch size and batch hook it sets are replaced by the loop's.
     * A checkpoint set here is refused: use {@link #checkpoint(Path, int)}, which also keeps the
     * rounds.
     *
     * @param settings ICM's settings (rules, alpha, iterations, chains, listener, ...), applied to
     *     a new {@link Icm.Builder} on every run and once by {@link #build()} to check them
     * @return this builder
     */
    public Builder icm(Consumer<Icm.Builder> settings) {
      this.icmSettings = requireNonNull(settings, "settings");
      return this;
    }

    /**
     * Receives each round (for example {@link org.icm4j.eval.FineTuningEvaluation}).
     *
     * @param listener receives each round (for example {@link org.icm4j.eval.FineTuningEvaluation})
     * @return this builder
     */
    public Builder listener(FineTuningListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Builds the loop, checking the ICM settings on a builder of their own.
     *
     * @throws IllegalStateException when the fine-tuner, batch size or seed is missing
     * @throws IllegalArgumentException when the ICM settings configure checkpoints (use {@link
     *     #checkpoint(Path, int)}), or are invalid
     *
     * @return builds the loop, checking the ICM settings on a builder of their own
     */
    public IterativeFineTuning build() {
      checkState(fineTuner != null, "no fine-tuner set: call fineTuner(FineTuner), e.g. icm-djl's BlockLmFineTuner");
      checkState(batchSize >= 1, "no batch size set: call batchSize(int) with what fits one context");
      checkState(seed != null, "no seed set: call seed(long); runs are reproducible by seed");
      Icm.Builder probe = Icm.builder();
      icmSettings.accept(probe);
      Icm icm = probe.scorer(NO_SCORER).seed(0).build();
      String icmCheckpoint = icm.configuration().get("checkpointEvery");
      checkArgument(
          "off".equals(icmCheckpoint),
          "the ICM settings configure a checkpoint (every %s iterations), but iterative fine-tuning"
              + " keeps its own: remove checkpoint(...) from the settings and call"
              + " IterativeFineTuning.Builder.checkpoint(file, everyIterations)",
          icmCheckpoint);
      Map<String, String> fingerprinted = new java.util.TreeMap<>(icm.configuration());
      fingerprinted.keySet().removeAll(List.of("scorer", "scoreMemo", "seed", "batchSize", "checkpointEvery"));
      fingerprinted.put("loop.batchSize", Integer.toString(batchSize));
      fingerprinted.put("loop.seed", Long.toString(seed));
      fingerprinted.put("loop.checkpointEvery", Integer.toString(checkpointEvery));
      String tuner = fineTuner.getClass().getName();
      int lambda = tuner.indexOf("$$Lambda");
      fingerprinted.put("loop.fineTuner", lambda < 0 ? tuner : tuner.substring(0, lambda + "$$Lambda".length()));
      LabelSpace space = null;
      if (checkpoint != null) {
        String names = icm.configuration().get("labelSpace");
        space = parseLabelSpace(names);
        checkArgument(
            space != null,
            "a resumable loop reads its labels back by the names of the label space, but %s cannot be"
                + " read back (a label holds \", \"): rename the labels, or run without checkpoint(...)",
            names);
      }
      return new IterativeFineTuning(this, fingerprinted, space);
    }
  }

  /** The label space of its configuration entry ("[a, b]"), or null when that is ambiguous. */
  private static @Nullable LabelSpace parseLabelSpace(@Nullable String names) {
    if (names == null || names.length() < 2 || !names.startsWith("[") || !names.endsWith("]")) {
      return null;
    }
    try {
      LabelSpace space = new LabelSpace(List.of(names.substring(1, names.length() - 1).split(", ", -1)));
      return space.names().toString().equals(names) ? space : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static final LabelScorer NO_SCORER =
      new LabelScorer() {
        @Override
        public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
          throw new IllegalStateException("only used to check the settings");
        }
      };
}
