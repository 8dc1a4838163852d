package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.icm4j.IcmException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.GptConfig;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;
import org.icm4j.text.PromptLayout;
import org.jspecify.annotations.Nullable;

/**
 * Fine-tunes a {@link BlockLm} on labelled examples: icm-core's {@link FineTuner} for DJL models,
 * and the training step of {@link org.icm4j.finetune.IterativeFineTuning}.
 *
 * <pre>{@code
 * try (BlockLm base = BlockLm.load(modelDir, Device.cpu());
 *     BlockLmFineTuner tuner = BlockLmFineTuner.builder().base(base).tokenizer(tokenizer).build();
 *     FineTunedModel tuned = tuner.fineTune(FineTuneRequest.of(examples, icmResult.labels(), 1))) {
 *   Evaluation.zeroShotAccuracy(tuned.scorer(), LabelSpace.binary(), heldOut, gold);
 * }
 * }</pre>
 *
 * <p><b>What is trained.</b> Every call starts from the weights the base model had when the tuner
 * was built (a copy; the base model itself is never changed). The training text is the request's
 * labelled examples laid out as the returned {@link DjlScorer} reads them (the same {@link
 * PromptLayout} and tokenizer): one example per sequence by default (zero-shot: prompt, then the
 * label's verbalizer), or up to {@link FineTuneOptions#examplesPerSequence()} as demonstrations
 * (many-shot). The loss is the cross-entropy, over the full vocabulary, of the label tokens only
 * ({@code LabelTokenLoss}, built on DJL's softmax cross-entropy); prompts and separators are not
 * trained on.
 *
 * <p><b>How.</b> DJL's {@link ai.djl.training.Trainer} with DJL's Adam (AdamW when {@link
 * FineTuneOptions#weightDecay()} is above 0) and a {@link WarmupCosine} learning rate over {@code
 * maxEpochs}; no gradient clipping. Each epoch visits the training examples in an order drawn from
 * the request's seed and the epoch, so the same request gives the same model, bit for bit (same
 * machine and thread count). Denormal floats are flushed to zero during training where possible.
 *
 * <p><b>Early stopping</b> uses a split of the request's own labels, never gold labels: a seeded
 * {@link FineTuneOptions#validationShare()} of the labelled <em>groups</em> (a question's candidate
 * answers stay together) is held out. After every epoch the label loss on them is measured; the
 * weights of the epoch with the lowest loss are kept (the base weights, epoch 0, when no epoch
 * beats them), and training stops after {@link FineTuneOptions#patience()} epochs without a new
 * lowest loss. With fewer than 2 labelled groups, or a share of 0, there is no validation and
 * every epoch runs.
 *
 * <p><b>Output.</b> With {@link Builder#outputDirectory}, the model of request round {@code r} is
 * saved in {@code round-RR/} there ({@link BlockLm#save}: it loads with {@link BlockLm#load} and
 * any {@code DjlScorer}), beside {@value #REPORT_FILE} (the request, the options, the epochs and
 * losses). {@link FineTunedModel#details()} reports the same numbers.
 *
 * <p>Not thread-safe for the models it returns (a DJL model runs one call at a time); {@link
 * #fineTune} itself is serialized, and so is training across every tuner and {@link LmTrainer} of
 * the JVM: DJL 0.36's PyTorch engine allows one gradient collector per process (a second one
 * throws "A PtGradientCollector is already collecting"), so concurrent calls wait for each other. {@link #close()} releases nothing the caller gave it (the base
 * model and the tokenizer stay the caller's); close each returned model when done.
 */
public final class BlockLmFineTuner implements FineTuner, AutoCloseable {

  /** File name of the training report beside a saved model. */
  public static final String REPORT_FILE = "fine-tune.json";

  private final GptConfig config;
  private final Map<String, float[]> baseWeights;
  private final Device device;
  private final FineTunerBuilder.Settings settings;
  private final String baseName;

  private BlockLmFineTuner(
      FineTunerBuilder.Settings settings, GptConfig config, Map<String, float[]> weights, Device device, String baseName) {
    this.config = config;
    this.baseWeights = weights;
    this.device = device;
    this.settings = settings;
    this.baseName = baseName;
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
    return settings.options();
  }

  /**
   * A new copy of the base model, for the scorer of the first ICM batch or for comparison.
   *
   * @return the copy; close it when done
   */
  public BlockLm baseCopy() {
    return ModelCopies.fromSnapshot(config, baseWeights, device);
  }

  /**
   * The base model as a {@link FineTunedModel}: a new copy with a scorer laid out as the
   * fine-tuned models' scorers are, for the first ICM batch or for comparison. Closing it closes
   * the copy (not the tokenizer).
   *
   * @return the base model
   */
  public FineTunedModel baseModel() {
    BlockLm copy = baseCopy();
    return new ScoredModel(copy, settings.scorer(copy), Map.of("base", baseName), "BlockLmFineTuner base model");
  }

  /**
   * Fine-tunes a copy of the base model on the request's labelled examples (see the class
   * description).
   *
   * @param request the examples and labels
   * @return the fine-tuned model with a {@link DjlScorer} over it; close it when done
   * @throws IcmException when an example does not fit the model (a token outside its vocabulary, a
   *     sequence longer than its context) or the loss becomes NaN
   * @throws UncheckedIOException when the output directory cannot be written
   */
  @Override
  public synchronized FineTunedModel fineTune(FineTuneRequest request) {
    requireNonNull(request, "request");
    BlockLm lm = ModelCopies.fromSnapshot(config, baseWeights, device);
    try {
      LabelTraining training = settings.training(baseName, config.vocabularySize(), config.maxLength());
      LabelTraining.Result result =
          training.train(
              new LabelTraining.Trainable() {
                @Override
                public ai.djl.Model model() {
                  return lm.model();
                }

                @Override
                public NDList inputs(LabelSequences.Batch batch) {
                  return new NDList(batch.inputs());
                }

                @Override
                public Device device() {
                  return lm.device();
                }
              },
              request);
      Map<String, String> details = new LinkedHashMap<>(result.details());
      Path output = settings.outputDirectory();
      if (output != null) {
        Path dir = LabelTraining.roundDirectory(output, request.round());
        lm.save(dir);
        training.writeReport(dir.resolve(REPORT_FILE), request, result, config.toString());
        details.put("directory", dir.toString());
      }
      return new ScoredModel(lm, settings.scorer(lm), details, "BlockLmFineTuner model of round " + request.round());
    } catch (RuntimeException | Error e) {
      lm.close();
      throw e;
    }
  }

  /** Nothing to release: the tuner holds a copy of the base weights in Java arrays only. */
  @Override
  public void close() {}

  /**
   * Configures a {@link BlockLmFineTuner}; the settings it shares with the TorchScript tuner are
   * {@link FineTunerBuilder}'s. Each setter checks its value at once. Not thread-safe.
   */
  public static final class Builder extends FineTunerBuilder<Builder> {
    private @Nullable BlockLm base;
    private @Nullable Path baseDirectory;

    private Builder() {}

    @Override
    Builder self() {
      return this;
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
     * Builds the tuner, copying the base model's weights.
     *
     * @throws IllegalStateException when the base model or the tokenizer is missing
     * @throws IcmException when the base directory does not hold a model
     *
     * @return the tuner
     */
    public BlockLmFineTuner build() {
      checkState(base != null || baseDirectory != null, "no base model set: call base(BlockLm) or base(Path)");
      FineTunerBuilder.Settings settings = settings();
      if (base != null) {
        return new BlockLmFineTuner(
            settings, base.config(), ModelCopies.snapshot(base), base.device(), "BlockLm " + base.config());
      }
      try (BlockLm loaded = BlockLm.load(requireNonNull(baseDirectory), Device.cpu())) {
        return new BlockLmFineTuner(
            settings, loaded.config(), ModelCopies.snapshot(loaded), Device.cpu(), baseDirectory.toString());
      }
    }
  }
}
