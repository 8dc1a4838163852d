package org.icm4j.examples;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import org.icm4j.IcmException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.icm4j.djl.train.Corpus;
import org.icm4j.djl.train.LmTrainer;
import org.icm4j.djl.train.ModelCopies;
import org.icm4j.djl.train.TrainingOptions;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains a small GPT ({@link org.icm4j.djl.BlockLm}) on the synthetic world's corpus with icm-djl's
 * {@link LmTrainer}, printing progress and writing a resumable checkpoint directory.
 *
 * <pre>{@code
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -cp ... \
 *     org.icm4j.examples.TrainCommand --out runs/world --steps 3000 --seed 42
 * # run the same command again to continue an interrupted run from its last checkpoint
 * }</pre>
 *
 * <p>When {@code --out} holds a checkpoint, the run resumes from it: the model shape options are
 * then ignored (the saved configuration is used), and {@code --seed}, {@code --batch} and {@code
 * --context} must equal the checkpoint's. {@code --seed} seeds the corpus, the batches and the
 * initial weights. The model reads {@code --context} tokens ({@code maxLength} = context);
 * its vocabulary is the corpus's.
 *
 * <p>Every {@code --log-every} steps it prints one line, {@code step 120/2000 loss 1.8345 tok/s
 * 17650 lr 1.998e-03 eta 1:52:10}, where the loss is the mean over the steps since the previous
 * line; {@value LmTrainer#LOG_FILE} in the directory gets the same numbers (format in {@link
 * LmTrainer}). Exit codes: 0 done, 1 the run failed, 2 bad options.
 *
 * <p><b>Corpus.</b> The corpus comes from {@link #corpusFactory}, which maps the seed to a {@link
 * Corpus}: {@code (seed, mixture) -> SyntheticWorld.defaultWorld(seed).corpus(mixture)}. Tests replace it with their
 * own corpus.
 *
 * <p>Not thread-safe: an instance holds the parsed options of one run, and {@link
 * #corpusFactory} is a mutable static.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    version = "icm4j train 0.1.0-SNAPSHOT",
    sortOptions = false,
    description = {
      "Trains a small GPT on the synthetic world's corpus, writing a resumable checkpoint to --out"
          + " (run again to resume)."
    })
public final class TrainCommand implements Callable<Integer> {

  /** Exit code when the run failed. */
  public static final int EXIT_RUN_FAILED = 1;

  /** Exit code for bad options. */
  public static final int EXIT_USAGE = 2;

  /**
   * Maps the seed to the training corpus: the synthetic world of that seed. Package-private and
   * mutable so that a test can plug in its own corpus.
   */
  static BiFunction<Long, SyntheticWorld.Mixture, Corpus> corpusFactory =
      (seed, mixture) -> SyntheticWorld.defaultWorld(seed).corpus(mixture);

  @Spec @Nullable CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "Checkpoint directory; resumes if it holds a checkpoint.")
  @Nullable Path out;

  @Option(names = "--steps", defaultValue = "" + TrainingOptions.Builder.DEFAULT_STEPS, description = "Total steps (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--batch", defaultValue = "" + TrainingOptions.Builder.DEFAULT_BATCH_SIZE, description = "Windows per step (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--context", defaultValue = "" + TrainingOptions.Builder.DEFAULT_CONTEXT,
      description = "Tokens per window and model maxLength (default ${DEFAULT-VALUE}).")
  int context;

  @Option(names = "--lr", defaultValue = "" + TrainingOptions.Builder.DEFAULT_PEAK_LEARNING_RATE, description = "Peak learning rate (default ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--warmup", defaultValue = "" + TrainingOptions.Builder.DEFAULT_WARMUP_STEPS, description = "Warm-up steps (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--final-lr", defaultValue = "" + TrainingOptions.Builder.DEFAULT_FINAL_LEARNING_RATE,
      description = "Learning rate at the last step, after cosine decay (default ${DEFAULT-VALUE}).")
  double finalLr;

  @Option(names = "--clip", defaultValue = "" + TrainingOptions.Builder.DEFAULT_CLIP_NORM,
      description = "Largest global L2 norm of the gradients (default ${DEFAULT-VALUE}).")
  double clip;

  @Option(names = "--seed", defaultValue = "42",
      description = "Seed of the corpus, the batches and the initial weights (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--log-every", defaultValue = "" + TrainingOptions.Builder.DEFAULT_LOG_EVERY, description = "Steps per progress line (default ${DEFAULT-VALUE}).")
  int logEvery;

  @Option(names = "--checkpoint-every", defaultValue = "" + TrainingOptions.Builder.DEFAULT_CHECKPOINT_EVERY,
      description = "Steps per checkpoint, 0 for only at the end (default ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(names = "--mixture", defaultValue = "phase1", paramLabel = "NAME",
      description = "Corpus mixture: phase1 (facts and rule features), phase2 or phase3 (more"
          + " weight on inferring the rule from labels); may change when a run resumes (default"
          + " ${DEFAULT-VALUE}).")
  String mixture = "phase1";

  @Option(names = "--rate-cue", defaultValue = "0", paramLabel = "SHARE",
      description = "Share of surface-rule documents whose True share (1/3 or 2/3) differs from"
          + " truth's (1/2), a cue that makes attending to the labels pay early; 0 to 1 (default"
          + " ${DEFAULT-VALUE}).")
  double rateCue;

  @Option(names = "--graded", defaultValue = "0", paramLabel = "SHARE",
      description = "Share of labelled relation documents whose lines carry a grade after the"
          + " label (True when the label agrees with the truth of the claim); 0 to 1 (default"
          + " ${DEFAULT-VALUE}).")
  double graded;

  @Option(names = "--comparison", paramLabel = "SHARE",
      description = "Share of labelled documents about comparisons, in place of the mixture's;"
          + " 0 to 1 (default: the mixture's).")
  @Nullable Double comparison;

  @Option(names = "--graded-comparisons", defaultValue = "0", paramLabel = "SHARE",
      description = "Share of labelled comparison documents whose lines carry a grade after the"
          + " label (True when the label agrees with the hidden sizes); 0 to 1 (default"
          + " ${DEFAULT-VALUE}).")
  double gradedComparisons;

  @Option(names = "--informative", defaultValue = "0", paramLabel = "SHARE",
      description = "Share of labelled relation documents made only of claims on which truth and"
          + " the surface rule disagree; 0 to 1 (default ${DEFAULT-VALUE}).")
  double informative;

  @Option(names = "--grow-from", paramLabel = "DIR",
      description = "Start a new run from the model saved in DIR, grown to --layers layers (new"
          + " layers start as the identity); ignored when --out holds a checkpoint.")
  @Nullable Path growFrom;

  @Option(names = "--layers", defaultValue = "4", description = "Transformer blocks (default ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default ${DEFAULT-VALUE}).")
  int heads;

  @Option(names = "--embedding", defaultValue = "128", description = "Model width (default ${DEFAULT-VALUE}).")
  int embedding;

  @Option(names = "--mlp", defaultValue = "512", description = "MLP hidden width (default ${DEFAULT-VALUE}).")
  int mlp;

  /** A command with no options set; picocli fills them in. */
  public TrainCommand() {}

  /**
   * Runs the command and exits with its code.
   *
   * @param args the command line; {@code --help} lists the options
   */
  public static void main(String[] args) {
    Commands.defaultToOffline();
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs the command with the given output streams, without exiting.
   *
   * @param out receives progress
   * @param err receives errors and usage help for bad options
   * @param args the command line
   * @return 0 on success, {@value #EXIT_RUN_FAILED} when the run failed, {@value #EXIT_USAGE} for
   *     bad options
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return Commands.execute(new TrainCommand(), out, err, args);
  }

  /** Trains and prints progress; called by picocli. */

  private LmTrainer openTrainer(
      Path dir, GptConfig shape, Corpus corpus, TrainingOptions options, boolean resuming) {
    if (resuming || growFrom == null) {
      return LmTrainer.open(dir, shape, corpus, options);
    }
    try (BlockLm source = BlockLm.load(growFrom, Device.cpu())) {
      return LmTrainer.start(dir, ModelCopies.grow(source, layers), corpus, options);
    }
  }

  @Override
  public Integer call() {
    CommandSpec s = requireNonNull(spec, "spec");
    Path dir = requireNonNull(out, "out");
    PrintWriter stdout = s.commandLine().getOut();
    PrintWriter err = s.commandLine().getErr();
    TrainingOptions options;
    try {
      options =
          TrainingOptions.builder()
              .seed(seed)
              .steps(steps)
              .batchSize(batch)
              .context(context)
              .learningRate(lr, finalLr)
              .warmupSteps(warmup)
              .clipNorm(clip)
              .logEvery(logEvery)
              .checkpointEvery(checkpointEvery)
              .build();
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    }
    Corpus corpus;
    try {
      SyntheticWorld.Mixture m;
      try {
        m =
            SyntheticWorld.Mixture.named(mixture)
                .withRateCue(rateCue)
                .withGraded(graded)
                .withInformative(informative)
                .withGradedComparisons(gradedComparisons);
        if (comparison != null) {
          m = m.withComparison(comparison);
        }
      } catch (IllegalArgumentException e) {
        return usage(err, e.getMessage());
      }
      corpus = requireNonNull(corpusFactory.apply(seed, m), "corpusFactory returned null");
    } catch (RuntimeException e) {
      err.println("train: cannot build the corpus: " + e.getMessage());
      return EXIT_RUN_FAILED;
    }
    GptConfig shape;
    try {
      shape = new GptConfig(corpus.vocabularySize(), context, layers, heads, embedding, mlp, seed);
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    }
    boolean resuming = LmTrainer.hasCheckpoint(dir);
    try (LmTrainer trainer = openTrainer(dir, shape, corpus, options, resuming)) {
      GptConfig model = trainer.model().config();
      stdout.printf(
          Locale.ROOT,
          "%s at step %d of %d in %s: %s, %d parameters, %d tokens per step%n",
          resuming ? "resuming" : "starting",
          trainer.step(),
          options.steps(),
          dir,
          model,
          model.parameterCount(),
          options.tokensPerStep());
      stdout.flush();
      LmTrainer.Result result =
          trainer.train(
              p -> {
                stdout.printf(
                    Locale.ROOT,
                    "step %d/%d loss %.4f tok/s %.0f lr %.3e eta %s%n",
                    p.step(),
                    p.totalSteps(),
                    p.loss(),
                    p.tokensPerSecond(),
                    p.learningRate(),
                    Commands.format(p.remaining(options.tokensPerStep())));
                stdout.flush();
              });
      stdout.printf(
          Locale.ROOT,
          "done: step %d, %d steps in %s (%.0f tokens/s)%s; checkpoint in %s%n",
          result.step(),
          result.stepsThisRun(),
          Commands.format(result.elapsed()),
          result.tokensPerSecond(),
          trainer.flushesDenormals() ? ", denormals flushed to zero" : "",
          dir);
      return 0;
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    } catch (IcmException | UncheckedIOException | IllegalStateException e) {
      err.println("train: " + e.getMessage());
      return EXIT_RUN_FAILED;
    }
  }

  private static int usage(PrintWriter err, @Nullable String message) {
    err.println("train: " + message);
    err.println("Try --help for the options.");
    return EXIT_USAGE;
  }
}
