package org.icm4j.djl.train;

import static java.util.Objects.requireNonNull;
import static org.icm4j.djl.train.GroupSplit.derive;
import static org.icm4j.djl.train.GroupSplit.shuffle;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.IcmException;
import org.icm4j.LabelledExample;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.text.PromptLayout;
import org.jspecify.annotations.Nullable;

/**
 * The training loop the fine-tuners share: the split of the request's labelled groups, epochs of
 * DJL {@link Trainer} steps with the label loss ({@link LabelTokenLoss}) in {@link EarlyStopping}'s
 * loop (Adam or AdamW with a {@link WarmupCosine} rate, early stopping on the split with the best
 * epoch's weights kept), the progress events and the report. What differs between models (how a copy is made, what its
 * forward takes, how it is saved) is the {@link Trainable}'s. Not thread-safe.
 */
final class LabelTraining {

  /** A fresh copy of the base model to train. */
  interface Trainable {
    /** The DJL model whose block is trained. */
    Model model();

    /** The block's inputs for a batch (token ids, and whatever else the model's forward takes). */
    NDList inputs(LabelSequences.Batch batch);

    /** The device the parameters live on. */
    Device device();
  }

  /**
   * What a run did.
   *
   * @param details the numbers {@link org.icm4j.spi.finetune.FineTunedModel#details()} reports, in order
   * @param validationGroups the groups held out, sorted
   * @param epochs one report per epoch
   */
  record Result(Map<String, String> details, List<String> validationGroups, List<FineTuneProgress> epochs) {}

  private final TextTokenizer tokenizer;
  private final PromptLayout template;
  private final FineTuneOptions options;
  private final FineTuneListener listener;
  private final String baseName;
  private final int vocabularySize;
  private final int maxLength;

  LabelTraining(
      TextTokenizer tokenizer,
      PromptLayout template,
      FineTuneOptions options,
      FineTuneListener listener,
      String baseName,
      int vocabularySize,
      int maxLength) {
    this.tokenizer = requireNonNull(tokenizer, "tokenizer");
    this.template = requireNonNull(template, "template");
    this.options = requireNonNull(options, "options");
    this.listener = requireNonNull(listener, "listener");
    this.baseName = requireNonNull(baseName, "baseName");
    this.vocabularySize = vocabularySize;
    this.maxLength = maxLength;
  }

  /** Trains {@code lm} on the request (denormals flushed to zero where possible). */
  Result train(Trainable lm, FineTuneRequest request) {
    long start = System.nanoTime();
    LabelSequences sequences =
        new LabelSequences(tokenizer, template, request.labelSpace(), vocabularySize, maxLength);
    Split split = split(request.labelled(), request.seed());
    Denormals.Flushed<Outcome> run =
        TrainingLock.run(() -> Denormals.flushed(() -> epochs(lm, sequences, split, request, start)));
    Outcome outcome = run.value();
    Map<String, String> details = new LinkedHashMap<>();
    details.put("base", baseName);
    details.put("round", Integer.toString(request.round()));
    details.put("trainedOn", Integer.toString(split.train.size()));
    details.put("validatedOn", Integer.toString(split.validation.size()));
    details.put("epochs", Integer.toString(outcome.epochs));
    details.put("bestEpoch", Integer.toString(outcome.bestEpoch));
    details.put("stoppedEarly", Boolean.toString(outcome.stoppedEarly));
    details.put("steps", Integer.toString(outcome.steps));
    details.put("trainLoss", format(outcome.lastTrainLoss));
    details.put("baseValidationLoss", format(outcome.baseValidationLoss));
    details.put("validationLoss", format(outcome.bestValidationLoss));
    details.put("tokens", Long.toString(outcome.tokens));
    details.put("seconds", format((System.nanoTime() - start) / 1e9));
    details.put("denormalsFlushed", Boolean.toString(run.flushed()));
    return new Result(details, split.validationGroups, List.copyOf(outcome.epochLog));
  }

  /** The training and validation examples of a request. */
  private record Split(List<LabelledExample> train, List<LabelledExample> validation, List<String> validationGroups) {}

  /** A seeded share of the labelled groups for validation (none below 2 groups). */
  private Split split(List<LabelledExample> labelled, long seed) {
    GroupSplit.Split<LabelledExample> s =
        GroupSplit.of(labelled, le -> le.example().group(), options.validationShare(), derive(seed, 0x5917L));
    return new Split(s.train(), s.validation(), s.validationGroups());
  }

  /** What a training run did. */
  private static final class Outcome {
    int epochs;
    int bestEpoch;
    boolean stoppedEarly;
    int steps;
    double lastTrainLoss = Double.NaN;
    double baseValidationLoss = Double.NaN;
    double bestValidationLoss = Double.NaN;
    long tokens;
    final List<FineTuneProgress> epochLog = new ArrayList<>();
  }

  private Outcome epochs(
      Trainable lm, LabelSequences sequences, Split split, FineTuneRequest request, long start) {
    Outcome out = new Outcome();
    int perStep = options.batchSize() * options.examplesPerSequence();
    int stepsPerEpoch = (split.train.size() + perStep - 1) / perStep;
    LabelTokenLoss loss = new LabelTokenLoss();
    List<LabelSequences.Sequence> validation = sequences.chunks(split.validation, options.examplesPerSequence());
    EarlyStopping.Outcome<Double> run =
        EarlyStopping.run(lm.model(), lm.device(), loss, options, stepsPerEpoch, !validation.isEmpty(),
            (trainer, root) -> new EarlyStopping.Epochs<Double>() {
              @Override
              public double train(int epoch) {
                List<LabelledExample> order = new ArrayList<>(split.train);
                shuffle(order, new SplittableRandom(derive(request.seed(), 0xE90C0000L + epoch)));
                List<LabelSequences.Sequence> train = sequences.chunks(order, options.examplesPerSequence());
                double sum = 0;
                int batches = 0;
                for (int from = 0; from < train.size(); from += options.batchSize()) {
                  List<LabelSequences.Sequence> chunk =
                      train.subList(from, Math.min(train.size(), from + options.batchSize()));
                  sum += step(trainer, lm, sequences, root, loss, chunk, request, epoch, out);
                  batches++;
                }
                return sum / batches;
              }

              @Override
              public Double validate() {
                return validationLoss(lm, sequences, root, loss, validation);
              }

              @Override
              public double loss(Double measure) {
                return measure;
              }

              @Override
              public Map<String, float[]> snapshot() {
                return LabelTraining.snapshot(lm.model());
              }

              @Override
              public void restore(Map<String, float[]> weights) {
                LabelTraining.restore(lm.model(), weights);
              }

              @Override
              public void onEpoch(int epoch, double trainLoss, @Nullable Double validationLoss, boolean improved) {
                FineTuneProgress p =
                    new FineTuneProgress(
                        request.round(), epoch, options.maxEpochs(), out.steps, trainLoss,
                        validationLoss == null ? Double.NaN : validationLoss, improved,
                        Duration.ofNanos(System.nanoTime() - start));
                out.epochLog.add(p);
                listener.onEpoch(p);
              }
            });
    out.epochs = run.epochs();
    out.bestEpoch = run.bestEpoch();
    out.stoppedEarly = run.stoppedEarly();
    out.lastTrainLoss = run.lastTrainLoss();
    out.baseValidationLoss = run.baseValidation() == null ? Double.NaN : run.baseValidation();
    out.bestValidationLoss = run.bestValidation() == null ? Double.NaN : run.bestValidation();
    return out;
  }

  private double step(
      Trainer trainer,
      Trainable lm,
      LabelSequences sequences,
      NDManager root,
      LabelTokenLoss loss,
      List<LabelSequences.Sequence> chunk,
      FineTuneRequest request,
      int epoch,
      Outcome out) {
    double value;
    try (NDManager step = root.newSubManager()) {
      LabelSequences.Batch batch = sequences.batch(step, chunk);
      value =
          EarlyStopping.step(
              trainer, lm.inputs(batch), new NDList(batch.targets(), batch.logitIndices()), loss,
              v -> "the fine-tuning loss became " + v + " in epoch " + epoch + ", step " + out.steps
                  + " of round " + request.round() + ": lower the learning rate");
      out.tokens += batch.tokens();
    }
    out.steps++;
    return value;
  }

  /** Mean label loss over the validation sequences (weighted by label tokens), no gradient. */
  private double validationLoss(
      Trainable lm,
      LabelSequences sequences,
      NDManager root,
      LabelTokenLoss loss,
      List<LabelSequences.Sequence> validation) {
    double sum = 0;
    long n = 0;
    for (int from = 0; from < validation.size(); from += options.batchSize()) {
      List<LabelSequences.Sequence> chunk = validation.subList(from, Math.min(validation.size(), from + options.batchSize()));
      try (NDManager step = root.newSubManager()) {
        LabelSequences.Batch batch = sequences.batch(step, chunk);
        NDArray logits =
            lm.model().getBlock().forward(new ParameterStore(step, false), lm.inputs(batch), false).head();
        double mean = loss.evaluate(new NDList(batch.targets(), batch.logitIndices()), new NDList(logits)).getFloat();
        sum += mean * batch.labelTokens();
        n += batch.labelTokens();
      }
    }
    return sum / n;
  }

  /** The values of every parameter of a model's block, by name. */
  static Map<String, float[]> snapshot(Model model) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      out.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  /** Sets every parameter of a model's block from a {@link #snapshot}. */
  static void restore(Model model, Map<String, float[]> snapshot) {
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      float[] values = requireNonNull(snapshot.get(p.getKey()), p.getKey());
      p.getValue().getArray().set(FloatBuffer.wrap(values));
    }
  }

  /** Writes the training report beside a saved model. */
  void writeReport(Path file, FineTuneRequest request, Result result, String baseConfig) {
    JsonObject o = new JsonObject();
    o.addProperty("format", "icm4j-fine-tune");
    o.addProperty("formatVersion", 1);
    o.addProperty("round", request.round());
    o.addProperty("seed", request.seed());
    o.addProperty("examples", request.examples().size());
    o.addProperty("labelled", request.labelled().size());
    o.addProperty("base", baseName);
    o.addProperty("baseConfig", baseConfig);
    o.addProperty("options", options.toString());
    o.addProperty("template", template.toString());
    JsonObject d = new JsonObject();
    result.details().forEach(d::addProperty);
    o.add("details", d);
    JsonArray groups = new JsonArray();
    result.validationGroups().forEach(groups::add);
    o.add("validationGroups", groups);
    JsonArray log = new JsonArray();
    for (FineTuneProgress p : result.epochs()) {
      JsonObject e = new JsonObject();
      e.addProperty("epoch", p.epoch());
      e.addProperty("steps", p.steps());
      e.addProperty("trainLoss", p.trainLoss());
      e.addProperty("validationLoss", Double.isNaN(p.validationLoss()) ? null : p.validationLoss());
      e.addProperty("best", p.best());
      log.add(e);
    }
    o.add("epochs", log);
    o.addProperty("java", System.getProperty("java.version", "unknown"));
    o.addProperty("os", System.getProperty("os.name", "unknown") + " " + System.getProperty("os.arch", ""));
    byte[] json =
        (new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(o) + "\n")
            .getBytes(StandardCharsets.UTF_8);
    // whole or not at all: a tuner killed while writing leaves no half-written report
    CheckpointFiles.writeAtomically(file, out -> out.write(json));
  }

  /** The directory of round {@code round} in an output directory. */
  static Path roundDirectory(Path output, int round) {
    return output.resolve(String.format(Locale.ROOT, "round-%02d", round));
  }

  private static String format(double v) {
    return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.6f", v);
  }

}
