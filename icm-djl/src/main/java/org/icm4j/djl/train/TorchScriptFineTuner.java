package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.icm4j.IcmException;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TorchScriptLm;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;
import org.jspecify.annotations.Nullable;

/**
 * Fine-tunes a TorchScript model (a {@link TorchScriptLm} directory) on labelled examples, with
 * DJL: DJL 0.36 loads a TorchScript module with trainable parameters (the {@code "trainParam"}
 * option of its PyTorch engine), {@code Model.newTrainer} unfreezes them, the module's forward
 * records gradients in training mode, and {@code JniUtils.writeModule} writes the trained module
 * back as a TorchScript file.
 *
 * <pre>{@code
 * try (TorchScriptFineTuner tuner = TorchScriptFineTuner.builder()
 *         .base(Path.of("my-model"))                 // config.json ("plain"), the .pt, tokenizer.json
 *         .tokenizer(TextTokenizer.huggingFace(Path.of("my-model/tokenizer.json")))
 *         .outputDirectory(Path.of("rounds"))
 *         .build();
 *     FineTunedModel tuned = tuner.fineTune(FineTuneRequest.of(examples, icmResult.labels(), 1))) {
 *   tuned.scorer();                                  // a DjlScorer over rounds/round-00
 * }
 * }</pre>
 *
 * <p>Training is the same as {@link BlockLmFineTuner}'s (the same layout, loss, optimizer,
 * schedule, split and early stopping; see there), through the model's {@code "plain"} interface:
 * {@code forward(input_ids [B,T], attention_mask [B,T]) -> logits [B,T,V]} with a batch of
 * right-padded sequences (the trace must accept a batch dimension other than the one it was traced
 * with; a trace of a Hugging Face model does). A model traced with the {@code
 * "gpt2-past-key-values"} interface is refused: trace it once more with the plain interface to
 * fine-tune it (the fine-tuned model is then scored through the plain interface, without key and
 * value reuse, exactly).
 *
 * <p>Every call loads the base file again, so it starts from the base weights. The fine-tuned
 * model of round {@code r} is written to {@code round-RR/} of the output directory as {@code
 * model.pt} with the base's {@code config.json} (and {@code tokenizer.json}, when the base
 * directory has one) and {@value BlockLmFineTuner#REPORT_FILE}: a directory {@link
 * TorchScriptLm#load} reads, and the returned scorer does. Without an output directory it goes to
 * a temporary directory that closing the model deletes.
 *
 * <p>{@link #fineTune} is serialized (and training across the JVM, as {@link BlockLmFineTuner}
 * explains); the returned models are not thread-safe (one DJL model runs
 * one call at a time). The tokenizer stays the caller's.
 */
public final class TorchScriptFineTuner implements FineTuner, AutoCloseable {

  /** The file name of a fine-tuned model in its round directory. */
  public static final String MODEL_FILE = "model.pt";

  private final Path baseDirectory;
  private final Path baseFile;
  private final int vocabularySize;
  private final int maxLength;
  private final Device device;
  private final FineTunerBuilder.Settings settings;

  private TorchScriptFineTuner(
      Builder b, FineTunerBuilder.Settings settings, Path baseFile, int vocabularySize, int maxLength) {
    this.baseDirectory = requireNonNull(b.base);
    this.baseFile = baseFile;
    this.vocabularySize = vocabularySize;
    this.maxLength = maxLength;
    this.device = b.device;
    this.settings = settings;
  }

  /** A builder; {@link Builder#base} and {@link Builder#tokenizer} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Fine-tunes the base model on the request's labelled examples.
   *
   * @param request the examples and labels
   * @return the fine-tuned model with a {@link DjlScorer} over its saved directory; close it
   * @throws IcmException when the model cannot be loaded or trained, or an example does not fit it
   * @throws UncheckedIOException when the model cannot be written
   */
  @Override
  public synchronized FineTunedModel fineTune(FineTuneRequest request) {
    requireNonNull(request, "request");
    Path dir;
    Path outputDirectory = settings.outputDirectory();
    boolean temporary = outputDirectory == null;
    try {
      dir =
          temporary
              ? Files.createTempDirectory("icm4j-fine-tune")
              : LabelTraining.roundDirectory(outputDirectory, request.round());
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of round " + request.round(), e);
    }
    TorchScriptLm lm;
    Map<String, String> details;
    try {
      LabelTraining training = settings.training(baseDirectory.toString(), vocabularySize, maxLength);
      try (ZooModel<NDList, NDList> model = loadTrainable()) {
        LabelTraining.Result result =
            training.train(
                new LabelTraining.Trainable() {
                  @Override
                  public Model model() {
                    return model;
                  }

                  @Override
                  public NDList inputs(LabelSequences.Batch batch) {
                    return new NDList(batch.inputs(), batch.attention());
                  }

                  @Override
                  public Device device() {
                    return device;
                  }
                },
                request);
        write((PtSymbolBlock) model.getBlock(), dir.resolve(MODEL_FILE));
        copy("config.json", dir);
        copy("tokenizer.json", dir);
        training.writeReport(dir.resolve(BlockLmFineTuner.REPORT_FILE), request, result, baseFile.toString());
        details = new LinkedHashMap<>(result.details());
      }
      if (!temporary) {
        details.put("directory", dir.toString());
      }
      lm = TorchScriptLm.builder(dir).modelFile(MODEL_FILE).device(device).maxLength(maxLength).build();
    } catch (RuntimeException | Error e) {
      if (temporary) {
        deleteQuietly(dir);
      }
      throw e;
    }
    DjlScorer scorer = settings.scorer(lm);
    ScoredModel scored = new ScoredModel(lm, scorer, details, "TorchScriptFineTuner model of round " + request.round());
    if (!temporary) {
      return scored;
    }
    Path tmp = dir;
    return new FineTunedModel() {
      @Override
      public org.icm4j.spi.LabelScorer scorer() {
        return scored.scorer();
      }

      @Override
      public Map<String, String> details() {
        return scored.details();
      }

      @Override
      public void close() {
        scored.close();
        deleteQuietly(tmp);
      }
    };
  }

  private ZooModel<NDList, NDList> loadTrainable() {
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(baseDirectory)
            .optModelName(String.valueOf(baseFile.getFileName()))
            .optEngine("PyTorch")
            .optDevice(device)
            .optTranslator(new NoopTranslator())
            .optOption("mapLocation", "true")
            .optOption("trainParam", "true")
            .build();
    try {
      return criteria.loadModel();
    } catch (IOException | MalformedModelException | ModelNotFoundException | RuntimeException e) {
      throw new IcmException("cannot load TorchScript model " + baseFile + " for training: " + e.getMessage(), e);
    }
  }

  /** Writes the model whole (temporary file, forced, atomic move): never a half-written model. */
  private static void write(PtSymbolBlock block, Path file) {
    CheckpointFiles.writeAtomically(file, out -> JniUtils.writeModule(block, out, false));
  }

  /** Copies a file of the base's directory, whole or not at all. */
  private void copy(String name, Path dir) {
    Path from = baseDirectory.resolve(name);
    if (Files.isRegularFile(from)) {
      CheckpointFiles.writeAtomically(dir.resolve(name), out -> Files.copy(from, out));
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // a temporary copy of a model: nothing to report if it cannot be removed
    }
  }

  /** Nothing to release: every call loads and closes its own copy of the base. */
  @Override
  public void close() {}

  /**
   * Configures a {@link TorchScriptFineTuner}; the settings it shares with the {@code BlockLm}
   * tuner are {@link FineTunerBuilder}'s. Each setter checks its value at once. Not thread-safe.
   */
  public static final class Builder extends FineTunerBuilder<Builder> {
    private @Nullable Path base;
    private @Nullable String modelFile;
    private Device device = Device.cpu();

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /** The base model's {@link TorchScriptLm} directory (required), with the {@code "plain"} interface. */
    public Builder base(Path directory) {
      this.base = requireNonNull(directory, "directory");
      return this;
    }

    /** The TorchScript file's name in the base directory (default: as {@link TorchScriptLm} finds it). */
    public Builder modelFile(String fileName) {
      this.modelFile = requireNonNull(fileName, "fileName");
      return this;
    }

    /** Where training and the returned models run (default {@link Device#cpu()}). */
    public Builder device(Device device) {
      this.device = requireNonNull(device, "device");
      return this;
    }

    /**
     * Builds the tuner, loading the base model once to check it.
     *
     * @throws IllegalStateException when the base or the tokenizer is missing
     * @throws IllegalArgumentException when the base is not a TorchScriptLm directory with the
     *     {@code "plain"} interface
     */
    public TorchScriptFineTuner build() {
      checkState(base != null, "no base model set: call base(Path) with a TorchScriptLm directory");
      FineTunerBuilder.Settings settings = settings();
      TorchScriptLm.Builder b = TorchScriptLm.builder(base).device(device);
      if (modelFile != null) {
        b.modelFile(modelFile);
      }
      try (TorchScriptLm lm = b.build()) {
        if (lm.modelInterface() != TorchScriptLm.Interface.PLAIN) {
          throw new IllegalArgumentException(
              "the model in " + base + " has the \"" + lm.modelInterface().configName()
                  + "\" interface, but fine-tuning reads the \"plain\" one (forward(input_ids,"
                  + " attention_mask) -> logits): trace the model once more with that interface and"
                  + " fine-tune that trace");
        }
        return new TorchScriptFineTuner(this, settings, lm.modelFile(), lm.vocabularySize(), lm.maxLength());
      }
    }
  }
}
