package org.icm4j;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.icm4j.internal.CountingScorer;
import org.icm4j.internal.SplitMix64;
import org.icm4j.spi.BatchHook;
import org.icm4j.spi.FineTuneRequest;
import org.icm4j.spi.FineTunedModel;
import org.icm4j.spi.FineTuner;
import org.icm4j.spi.FineTuningListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
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

  private IterativeFineTuning(Builder b) {
    this.fineTuner = requireNonNull(b.fineTuner);
    this.batchSize = b.batchSize;
    this.seed = requireNonNull(b.seed);
    this.icmSettings = b.icmSettings;
    this.listener = b.listener;
  }

  /** A builder; {@link Builder#fineTuner}, {@link Builder#batchSize} and {@link Builder#seed} are required. */
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
   * @throws IcmException when the scorer or the fine-tuner fails; every model fine-tuned so far
   *     is closed
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
    CountingScorer first = new CountingScorer(base);
    Loop loop = new Loop(base, byId, first);
    Icm icm = icm(first, loop);
    IcmResult result;
    try {
      result = icm.run(examples, cancellation);
      if (result.isComplete() && !result.batches().isEmpty()) {
        BatchSummary last = result.batches().get(result.batches().size() - 1);
        loop.round(last, result.labels());
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
    return b.scorer(scorer).batchSize(batchSize).batchHook(hook).seed(seed).build();
  }

  /** The state of one run: rounds so far, the current model and the scorer's counts. */
  private final class Loop implements BatchHook {
    private final LabelScorer base;
    private final Map<String, Example> byId;
    private final Set<String> finished = new LinkedHashSet<>();
    private final List<FineTuningRound> rounds = new ArrayList<>();
    private @Nullable FineTunedModel model;
    private int modelRound = -1;
    private long roundStart = System.nanoTime();
    private CountingScorer counting;

    Loop(LabelScorer base, Map<String, Example> byId, CountingScorer counting) {
      this.base = base;
      this.byId = byId;
      this.counting = counting;
    }

    @Override
    public LabelScorer afterBatch(BatchSummary finishedBatch, Labeling labelsSoFar, LabelScorer current) {
      return round(finishedBatch, labelsSoFar);
    }

    /** Records the batch's round and fine-tunes; returns the scorer for the next batch. */
    LabelScorer round(BatchSummary summary, Labeling labelsSoFar) {
      long labelled = System.nanoTime();
      long[] now = counting.counts();
      long iterations = 0;
      long accepted = 0;
      for (ChainSummary c : summary.chains()) {
        iterations += c.iterations();
        accepted += c.accepted();
      }
      RunCounts cost =
          new RunCounts(
              iterations, accepted, now[0], now[1], now[2]);
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
        FineTunedModel next =
            requireNonNull(fineTuner.fineTune(request), "the fine-tuner returned null for " + request);
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
              Duration.ofNanos(labelled - roundStart),
              tuned,
              tuned ? labels.size() : 0,
              tuningTime,
              details);
      rounds.add(round);
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

    private Builder() {}

    /** The trainer (required). */
    public Builder fineTuner(FineTuner fineTuner) {
      this.fineTuner = requireNonNull(fineTuner, "fineTuner");
      return this;
    }

    /** Examples per batch (required): at most what fits the model's context with a query. */
    public Builder batchSize(int batchSize) {
      checkArgument(batchSize >= 1, "batchSize must be >= 1, but was %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** The seed of ICM and of the fine-tuning requests (required). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * ICM's settings (rules, alpha, iterations, chains, listener, ...), applied to a new {@link
     * Icm.Builder} on every run and once by {@link #build()} to check them; it must not have side
     * effects. The scorer, seed, batch size and batch hook it sets are replaced by the loop's.
     * Checkpoints are refused: a resumed run could not restore the fine-tuned models.
     */
    public Builder icm(Consumer<Icm.Builder> settings) {
      this.icmSettings = requireNonNull(settings, "settings");
      return this;
    }

    /** Receives each round (for example {@link org.icm4j.eval.FineTuningEvaluation}). */
    public Builder listener(FineTuningListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Builds the loop, checking the ICM settings on a builder of their own.
     *
     * @throws IllegalStateException when the fine-tuner, batch size or seed is missing
     * @throws IllegalArgumentException when the ICM settings configure checkpoints, or are invalid
     */
    public IterativeFineTuning build() {
      checkState(fineTuner != null, "no fine-tuner set: call fineTuner(FineTuner), e.g. icm-djl's BlockLmFineTuner");
      checkState(batchSize >= 1, "no batch size set: call batchSize(int) with what fits one context");
      checkState(seed != null, "no seed set: call seed(long); runs are reproducible by seed");
      Icm.Builder probe = Icm.builder();
      icmSettings.accept(probe);
      Icm icm = probe.scorer(NO_SCORER).seed(0).build();
      String checkpoint = icm.configuration().get("checkpointEvery");
      checkArgument(
          "off".equals(checkpoint),
          "the ICM settings configure a checkpoint (every %s iterations), but iterative fine-tuning"
              + " cannot resume one: a resumed run could not restore the fine-tuned models; remove"
              + " checkpoint(...) from the settings",
          checkpoint);
      return new IterativeFineTuning(this);
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
