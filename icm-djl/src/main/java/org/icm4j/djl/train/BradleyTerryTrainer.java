package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;
import static org.icm4j.djl.train.GroupSplit.derive;
import static org.icm4j.djl.train.GroupSplit.shuffle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardTrainer;
import org.icm4j.spi.reward.RewardTrainingRequest;
import org.icm4j.text.PromptLayout;
import org.jspecify.annotations.Nullable;

/**
 * Trains a {@link BlockLm} into a reward model on preference pairs with the Bradley-Terry loss:
 * icm-core's {@link RewardTrainer} for DJL models. The reward of a response is the model's own
 * label log-odds ({@link LmRewardModel}: {@code log P(" True" | prompt) - log P(" False" |
 * prompt)}), and training lowers {@code -log sigmoid(r(chosen) - r(rejected))} over the pairs.
 *
 * <pre>{@code
 * List<PreferencePair> pairs = PreferencePairs.fromResult(claims, icmResult, "True", "ICM, seed 1");
 * try (BradleyTerryTrainer trainer = BradleyTerryTrainer.builder().base(base).tokenizer(tokenizer).build();
 *     LmRewardModel rm = trainer.train(new RewardTrainingRequest(pairs, 1))) {
 *   RewardEvaluation.pairwiseAccuracy(rm, heldOutPairs);
 *   rm.save(Path.of("reward-model"));
 * }
 * }</pre>
 *
 * <p><b>What is trained.</b> Every call starts from the weights the base model had when the
 * trainer was built (a copy; the base model is never changed); all weights are trained, and the
 * label head is the LM's own output head (no new parameters). Each response is laid out
 * zero-shot, as the returned model's scorer reads it ({@link PairBatches}).
 *
 * <p><b>How.</b> DJL's {@link Trainer} with Adam (AdamW when {@link FineTuneOptions#weightDecay()}
 * is above 0) and a {@link WarmupCosine} learning rate over {@code maxEpochs} (the loop and the
 * optimizer are the label fine-tuners', one implementation), {@link
 * FineTuneOptions#batchSize()} pairs per step, the pairs of each epoch in an order drawn from the
 * request's seed and the epoch; denormal floats flushed to zero during training where possible.
 * The same request gives the same model, bit for bit (same machine and thread count).
 *
 * <p><b>Early stopping</b> on a split of the request's own pairs (ICM's, never gold): a seeded
 * {@link FineTuneOptions#validationShare()} of the pairs' groups (questions) is held out. After
 * every epoch the Bradley-Terry loss on them is measured; the weights of the epoch with the lowest
 * loss are kept (the base weights, epoch 0, when no epoch beats them), and training stops after
 * {@link FineTuneOptions#patience()} epochs without a new lowest loss. With fewer than 2 groups, or
 * a share of 0, every epoch runs. {@link FineTuneOptions#examplesPerSequence()} must be 1.
 *
 * <p><b>Report.</b> {@link LmRewardModel#details()} gives the counts, epochs, losses and the
 * pairwise accuracy on the validation pairs before and after training; a {@link FineTuneListener}
 * gets every epoch (round 0).
 *
 * <p>{@link #train} is serialized, and so is training across every trainer of this package in the
 * JVM (DJL's PyTorch engine allows one gradient collector at a time). The returned models are the
 * caller's to close. {@link #close()} releases nothing the caller gave (the base model and the
 * tokenizer stay the caller's).
 */
public final class BradleyTerryTrainer implements RewardTrainer, AutoCloseable {

  private final BaseWeights base;
  private final GptConfig config;
  private final TextTokenizer tokenizer;
  private final PromptLayout template;
  private final String positive;
  private final String negative;
  private final FineTuneOptions options;
  private final FineTuneListener listener;

  private BradleyTerryTrainer(Builder b, BaseWeights base) {
    this.base = base;
    this.config = base.config();
    this.tokenizer = requireNonNull(b.tokenizer);
    this.template = b.template;
    this.positive = b.positive;
    this.negative = b.negative;
    this.options = b.options;
    this.listener = b.listener;
  }

  /**
   * A builder; {@link Builder#base} and {@link Builder#tokenizer} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The settings.
   *
   * @return the settings
   */
  public FineTuneOptions options() {
    return options;
  }

  /**
   * The base model as a reward model (a new copy, untrained): its zero-shot label log-odds.
   *
   * @return the model; close it when done
   */
  public LmRewardModel baseModel() {
    return rewardModel(base.copy(), Map.of("base", base.name()));
  }

  /**
   * Trains a copy of the base model on the request's pairs (see the class description).
   *
   * @param request the pairs and the seed
   * @return the reward model, which owns the trained copy; close it when done
   * @throws IcmException when a response does not fit the model (a token outside its vocabulary, a
   *     prompt longer than its context) or the loss becomes NaN
   */
  @Override
  public synchronized LmRewardModel train(RewardTrainingRequest request) {
    requireNonNull(request, "request");
    long start = System.nanoTime();
    BlockLm lm = base.copy();
    try {
      Split split = split(request.pairs(), request.seed());
      PairBatches batches =
          new PairBatches(
              new LabelSequences(
                  tokenizer, template, LabelSpace.of(positive, negative), config.vocabularySize(),
                  config.maxLength()),
              positive, negative, config.vocabularySize());
      Denormals.Flushed<Outcome> run =
          TrainingLock.run(() -> Denormals.flushed(() -> epochs(lm, batches, split, request, start)));
      Outcome o = run.value();
      Map<String, String> details = new LinkedHashMap<>();
      details.put("base", base.name());
      details.put("seed", Long.toString(request.seed()));
      details.put("pairs", Integer.toString(request.pairs().size()));
      details.put("trainedOn", Integer.toString(split.train.size()));
      details.put("validatedOn", Integer.toString(split.validation.size()));
      details.put("epochs", Integer.toString(o.epochs));
      details.put("bestEpoch", Integer.toString(o.bestEpoch));
      details.put("stoppedEarly", Boolean.toString(o.stoppedEarly));
      details.put("steps", Integer.toString(o.steps));
      details.put("trainLoss", format(o.lastTrainLoss));
      details.put("baseValidationLoss", format(o.baseValidation.loss));
      details.put("validationLoss", format(o.bestValidation.loss));
      details.put("baseValidationAccuracy", format(o.baseValidation.accuracy));
      details.put("validationAccuracy", format(o.bestValidation.accuracy));
      details.put("tokens", Long.toString(o.tokens));
      details.put("seconds", format((System.nanoTime() - start) / 1e9));
      details.put("denormalsFlushed", Boolean.toString(run.flushed()));
      return rewardModel(lm, details);
    } catch (RuntimeException | Error e) {
      lm.close();
      throw e;
    }
  }

  private LmRewardModel rewardModel(BlockLm lm, Map<String, String> details) {
    return LmRewardModel.builder()
        .model(lm)
        .tokenizer(tokenizer)
        .template(template)
        .labels(positive, negative)
        .ownsModel(true)
        .details(details)
        .build();
  }

  /** The training and validation pairs. */
  private record Split(List<PreferencePair> train, List<PreferencePair> validation) {}

  /** A seeded share of the pairs' groups for validation (none below 2 groups). */
  private Split split(List<PreferencePair> pairs, long seed) {
    GroupSplit.Split<PreferencePair> s =
        GroupSplit.of(pairs, PreferencePair::group, options.validationShare(), derive(seed, 0xB7A1L));
    return new Split(s.train(), s.validation());
  }

  /** Loss and pairwise accuracy on some pairs. */
  private record Measure(double loss, double accuracy) {
    static final Measure NONE = new Measure(Double.NaN, Double.NaN);
  }

  /** What a training run did. */
  private static final class Outcome {
    int epochs;
    int bestEpoch;
    boolean stoppedEarly;
    int steps;
    double lastTrainLoss = Double.NaN;
    Measure baseValidation = Measure.NONE;
    Measure bestValidation = Measure.NONE;
    long tokens;
  }

  private Outcome epochs(BlockLm lm, PairBatches batches, Split split, RewardTrainingRequest request, long start) {
    Outcome out = new Outcome();
    int stepsPerEpoch = (split.train.size() + options.batchSize() - 1) / options.batchSize();
    BradleyTerryLoss loss = new BradleyTerryLoss();
    EarlyStopping.Outcome<Measure> run =
        EarlyStopping.run(lm.model(), lm.device(), loss, options, stepsPerEpoch, !split.validation.isEmpty(),
            (trainer, root) -> new EarlyStopping.Epochs<Measure>() {
              @Override
              public double train(int epoch) {
                List<PreferencePair> order = new ArrayList<>(split.train);
                shuffle(order, new SplittableRandom(derive(request.seed(), 0xBE000000L + epoch)));
                double sum = 0;
                int count = 0;
                for (int from = 0; from < order.size(); from += options.batchSize()) {
                  List<PreferencePair> chunk = order.subList(from, Math.min(order.size(), from + options.batchSize()));
                  sum += step(trainer, batches, root, loss, chunk, epoch, out);
                  count++;
                }
                return sum / count;
              }

              @Override
              public Measure validate() {
                return measure(lm, batches, root, split.validation);
              }

              @Override
              public double loss(Measure measure) {
                return measure.loss;
              }

              @Override
              public Map<String, float[]> snapshot() {
                return ModelCopies.snapshot(lm);
              }

              @Override
              public void restore(Map<String, float[]> weights) {
                ModelCopies.restore(lm, weights);
              }

              @Override
              public void onEpoch(int epoch, double trainLoss, @Nullable Measure validation, boolean improved) {
                listener.onEpoch(
                    new FineTuneProgress(
                        0, epoch, options.maxEpochs(), out.steps, trainLoss,
                        validation == null ? Double.NaN : validation.loss, improved,
                        Duration.ofNanos(System.nanoTime() - start)));
              }
            });
    out.epochs = run.epochs();
    out.bestEpoch = run.bestEpoch();
    out.stoppedEarly = run.stoppedEarly();
    out.lastTrainLoss = run.lastTrainLoss();
    out.baseValidation = run.baseValidation() == null ? Measure.NONE : run.baseValidation();
    out.bestValidation = run.bestValidation() == null ? Measure.NONE : run.bestValidation();
    return out;
  }

  private double step(
      Trainer trainer, PairBatches batches, NDManager root, BradleyTerryLoss loss,
      List<PreferencePair> chunk, int epoch, Outcome out) {
    double value;
    try (NDManager step = root.newSubManager()) {
      PairBatches.Batch batch = batches.batch(step, chunk);
      value =
          EarlyStopping.step(
              trainer, new NDList(batch.inputs()), batch.labels(), loss,
              v -> "the Bradley-Terry loss became " + v + " in epoch " + epoch + ", step " + out.steps
                  + ": lower the learning rate");
      out.tokens += batch.tokens();
    }
    out.steps++;
    return value;
  }

  /** Mean loss and pairwise accuracy (ties half) over some pairs, no gradient. */
  private Measure measure(BlockLm lm, PairBatches batches, NDManager root, List<PreferencePair> pairs) {
    double loss = 0;
    double wins = 0;
    for (int from = 0; from < pairs.size(); from += options.batchSize()) {
      List<PreferencePair> chunk = pairs.subList(from, Math.min(pairs.size(), from + options.batchSize()));
      try (NDManager step = root.newSubManager()) {
        PairBatches.Batch batch = batches.batch(step, chunk);
        NDArray logits =
            lm.model().getBlock().forward(new ParameterStore(step, false), new NDList(batch.inputs()), false).head();
        float[] margins = BradleyTerryLoss.margins(batch.labels(), new NDList(logits)).toFloatArray();
        for (float d : margins) {
          loss += Math.log1p(Math.exp(-Math.abs(d))) + Math.max(-d, 0);
          wins += d > 0 ? 1 : d == 0 ? 0.5 : 0;
        }
      }
    }
    return new Measure(loss / pairs.size(), wins / pairs.size());
  }

  /** Nothing to release: the trainer holds a copy of the base weights in Java arrays only. */
  @Override
  public void close() {}

  private static String format(double v) {
    return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.6f", v);
  }


  /** Configures a {@link BradleyTerryTrainer}. Each setter checks its value at once. Not thread-safe. */
  public static final class Builder {
    private @Nullable BlockLm base;
    private @Nullable Path baseDirectory;
    private @Nullable TextTokenizer tokenizer;
    private PromptLayout template = PromptLayout.official();
    private String positive = "True";
    private String negative = "False";
    private FineTuneOptions options = defaultOptions();
    private FineTuneListener listener = p -> {};

    private Builder() {}

    /**
     * The defaults of a reward model: {@link FineTuneOptions#defaults()} (at most 20 epochs, Adam
     * at 1e-3 with warm-up and cosine decay to 1e-4, a fifth of the groups for validation,
     * patience 3) with batches of 16 pairs.
     *
     * @return the defaults of a reward model
     */
    public static FineTuneOptions defaultOptions() {
      return FineTuneOptions.defaults().withBatchSize(16);
    }

    /**
     * The base model (this or {@link #base(Path)} is required). Its weights are copied when {@link
     * #build()} runs; the model stays the caller's and is never changed.
     *
     * @param base the base model (this or {@link #base(Path)} is required)
     * @return this builder
     */
    public Builder base(BlockLm base) {
      this.base = requireNonNull(base, "base");
      this.baseDirectory = null;
      return this;
    }

    /**
     * The base model as a directory saved by {@link BlockLm#save}, loaded on the CPU by {@link #build()}.
     *
     * @param directory the base model as a directory saved by {@link BlockLm#save}, loaded on the
     *     CPU by {@link #build()}
     * @return this builder
     */
    public Builder base(Path directory) {
      this.baseDirectory = requireNonNull(directory, "directory");
      this.base = null;
      return this;
    }

    /**
     * The model's tokenizer (required); not closed by the trainer.
     *
     * @param tokenizer the model's tokenizer (required)
     * @return this builder
     */
    public Builder tokenizer(TextTokenizer tokenizer) {
      this.tokenizer = requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /**
     * The layout of the labels after a prompt; default {@link PromptLayout#official()}.
     *
     * @param template the layout of the labels after a prompt
     * @return this builder
     */
    public Builder template(PromptLayout template) {
      this.template = requireNonNull(template, "template");
      return this;
    }

    /**
     * The label whose log-odds is the reward, and the other one; default {@code "True"} and {@code
     * "False"}.
     *
     * @throws IllegalArgumentException when they are equal or blank
     *
     * @param positive the label whose log-odds is the reward
     * @param negative the other label
     * @return this builder
     */
    public Builder labels(String positive, String negative) {
      LmRewardModel.checkLabels(positive, negative);
      this.positive = positive;
      this.negative = negative;
      return this;
    }

    /**
     * The training settings ({@link FineTuneOptions#batchSize()} counts pairs); default {@link
     * #defaultOptions()}.
     *
     * @throws IllegalArgumentException when {@link FineTuneOptions#examplesPerSequence()} is not 1
     *
     * @param options the training settings ({@link FineTuneOptions#batchSize()} counts pairs)
     * @return this builder
     */
    public Builder options(FineTuneOptions options) {
      requireNonNull(options, "options");
      checkArgument(
          options.examplesPerSequence() == 1,
          "a reward model reads each response zero-shot, so examplesPerSequence must be 1, but was"
              + " %s: use FineTuneOptions.withZeroShot()",
          options.examplesPerSequence());
      this.options = options;
      return this;
    }

    /**
     * Receives each epoch's progress (round 0; the validation loss is the Bradley-Terry loss).
     *
     * @param listener receives each epoch's progress (round 0
     * @return this builder
     */
    public Builder listener(FineTuneListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Builds the trainer, copying the base model's weights.
     *
     * @throws IllegalStateException when the base model or the tokenizer is missing
     * @throws IcmException when the base directory does not hold a model
     *
     * @return the trainer
     */
    public BradleyTerryTrainer build() {
      BaseWeights weights = BaseWeights.of(base, baseDirectory);
      checkState(tokenizer != null, "no tokenizer set: call tokenizer(TextTokenizer)");
      return new BradleyTerryTrainer(this, weights);
    }
  }
}
