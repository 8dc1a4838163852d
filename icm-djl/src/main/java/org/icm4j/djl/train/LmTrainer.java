package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import org.icm4j.IcmException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;

/**
 * Trains a {@link BlockLm} from scratch (or from a grown model) on a {@link Corpus} with Adam,
 * warm-up plus cosine learning-rate decay ({@link WarmupCosine}) and global-norm gradient clipping
 * ({@link GradientClipping}), writing resumable checkpoints. For fine-tuning on labelled examples
 * use {@link BlockLmFineTuner}.
 *
 * <pre>{@code
 * TrainingOptions options =
 *     TrainingOptions.builder().seed(42).steps(2000).learningRate(2e-3, 2e-4).warmupSteps(200).build();
 * GptConfig shape = new GptConfig(corpus.vocabularySize(), 256, 4, 4, 128, 512, 42L);
 * try (LmTrainer trainer = LmTrainer.open(Path.of("run"), shape, corpus, options)) {
 *   trainer.train(p -> System.out.println(p.step() + " " + p.loss()));
 * }
 * }</pre>
 *
 * <p><b>Step.</b> Step {@code i} (0-based; the first step is 0) draws a batch of {@code
 * batchSize} windows of {@code context + 1} tokens from {@code new SplittableRandom(seed *
 * 1_000_003 + i)} (so a batch is a pure function of the seed and the step number, and nothing of
 * the generator has to be saved), reads the first {@code context} tokens of each window with
 * {@link org.icm4j.djl.GptBlock}'s training forward, and takes as loss the mean cross-entropy of
 * every next-token prediction ({@code batchSize * context} positions; logits reshaped to {@code
 * [-1, vocabularySize]}). The gradients of all parameters are then scaled down together when their
 * global L2 norm exceeds {@code clipNorm}, and Adam updates the weights with the rate of {@link
 * TrainingOptions#schedule()}. Every array of a step lives in a sub-manager closed at the end of
 * the step: nothing accumulates in the model's manager.
 *
 * <p><b>Adam</b> is {@link SavedAdam}, written in Java, rather than DJL's {@code Optimizer.adam()}:
 * DJL keeps its moments privately and cannot save them, and a resumed run needs them.
 *
 * <p><b>Checkpoints</b> are written every {@code checkpointEvery} steps (0: only at the end) and
 * when a run ends. A checkpoint directory holds {@link BlockLm#CONFIG_FILE} and {@link
 * BlockLm#PARAMETERS_FILE} (written by {@link BlockLm#save}, so the directory loads with {@link
 * BlockLm#load}), {@value #OPTIMIZER_FILE} (Adam's step count and moments, by parameter name),
 * {@value #STATE_FILE} (the step number, seed, batch size, context, and the CRC-32 of the
 * parameters file, written last) and the log {@value #LOG_FILE}. Resuming from step {@code k}
 * gives the same weights, bit for bit, as the uninterrupted run after the same number of steps
 * (on the same machine and thread count: PyTorch's CPU kernels are deterministic for a fixed
 * number of threads).
 *
 * <p><b>Log.</b> Every {@code logEvery} steps, and after the last step of a run, one line is
 * appended to {@value #LOG_FILE}:
 *
 * <pre>
 * step=120 loss=1.834512 tokens_per_s=17650 lr=1.998e-03 elapsed_s=14.2
 * </pre>
 *
 * <p>{@code step} is the number of steps done, {@code loss} the mean loss of the steps since the
 * previous line, {@code tokens_per_s} the input tokens ({@code batchSize * context} per step)
 * per second of wall-clock time since the previous line, {@code lr} the learning rate of the last
 * step, and {@code elapsed_s} the seconds spent training in this process. Lines starting with
 * {@code #} mark the start or resumption of a run and list its settings. The same numbers go to
 * the {@link Listener}.
 *
 * <p><b>Denormals</b> are flushed to zero on the calling thread during {@link #run} where possible
 * (Linux x86-64; see {@link #flushesDenormals()}): they slow CPU training about 2.4x.
 *
 * <p>Not thread-safe: one trainer is used by one thread at a time. Training runs of several
 * trainers (and fine-tuners) in one JVM run one after another: DJL's PyTorch engine allows one
 * gradient collector per process. {@link #close()} releases the model.
 */
public final class LmTrainer implements AutoCloseable {

  /** File name of the optimizer state in a checkpoint directory. */
  public static final String OPTIMIZER_FILE = "optimizer.bin";

  /** File name of the step, seed and batch settings in a checkpoint directory. */
  public static final String STATE_FILE = "trainer-state.properties";

  /** File name of the training log in a checkpoint directory. */
  public static final String LOG_FILE = "train.log";

  private static final long BATCH_SEED_MULTIPLIER = 1_000_003L;

  /**
   * One progress report. Immutable and thread-safe.
   *
   * @param step steps done so far (the last step reported on is {@code step - 1}, 0-based)
   * @param totalSteps {@link TrainingOptions#steps()}
   * @param loss mean training loss (nats per token) of the steps since the previous report
   * @param tokensPerSecond input tokens per second of wall-clock time since the previous report
   * @param learningRate the learning rate used by the last step
   * @param elapsed time spent training in this process
   */
  public record Progress(
      int step,
      int totalSteps,
      double loss,
      double tokensPerSecond,
      double learningRate,
      Duration elapsed) {

    /** Validates the report. */
    public Progress {
      requireNonNull(elapsed, "elapsed");
    }

    /**
     * Estimated time for the remaining steps at the current speed, or {@link Duration#ZERO} when
     * done or the speed is unknown.
     *
     * @param tokensPerStep input tokens per step
     * @return the estimate
     */
    public Duration remaining(long tokensPerStep) {
      if (step >= totalSteps || !(tokensPerSecond > 0)) {
        return Duration.ZERO;
      }
      double seconds = (double) (totalSteps - step) * tokensPerStep / tokensPerSecond;
      return Duration.ofMillis((long) (seconds * 1000));
    }
  }

  /** Receives a {@link Progress} every {@code logEvery} steps and after the last step of a run. */
  @FunctionalInterface
  public interface Listener {
    /**
     * Called on the training thread; should return quickly.
     *
     * @param progress the report
     */
    void onProgress(Progress progress);
  }

  /**
   * What a call to {@link #run} did. Immutable and thread-safe.
   *
   * @param step steps done after the call (in total, including those before a resumption)
   * @param stepsThisRun steps done by this call
   * @param lastLoss mean loss of the steps since the last report, {@code NaN} if no step ran
   * @param tokensPerSecond input tokens per second over this call, 0 if no step ran
   * @param elapsed wall-clock time of this call's steps (without the final checkpoint)
   */
  public record Result(
      int step, int stepsThisRun, double lastLoss, double tokensPerSecond, Duration elapsed) {

    /** Validates the result. */
    public Result {
      requireNonNull(elapsed, "elapsed");
    }
  }

  private final Path dir;
  private final BlockLm lm;
  private final Corpus corpus;
  private final TrainingOptions options;
  private final List<Parameter> parameters;
  private final SavedAdam adam;
  private final NDManager stepManagers;
  private final Loss loss = Loss.softmaxCrossEntropyLoss();
  private int step;
  private boolean closed;
  private boolean denormalsFlushed;

  private LmTrainer(Path dir, BlockLm lm, Corpus corpus, TrainingOptions options, int step) {
    this.dir = dir;
    this.lm = lm;
    this.corpus = corpus;
    this.options = options;
    this.step = step;
    List<Parameter> list = new ArrayList<>();
    for (Pair<String, Parameter> p : lm.block().getParameters()) {
      Parameter parameter = p.getValue();
      parameter.getArray().setRequiresGradient(true);
      list.add(parameter);
    }
    this.parameters = List.copyOf(list);
    this.adam = new SavedAdam(parameters);
    this.stepManagers = NDManager.newBaseManager(lm.device());
  }

  /**
   * Opens a run in {@code dir}: resumes the checkpoint there if it holds one ({@link
   * #hasCheckpoint}), otherwise starts a new model of shape {@code shape} on the CPU.
   *
   * @param dir the checkpoint directory (created if needed)
   * @param shape the model to create when there is no checkpoint; ignored otherwise (the saved
   *     configuration is used)
   * @param corpus the training text; its vocabulary must equal the model's
   * @param options the settings; {@code seed}, {@code batchSize} and {@code context} must equal
   *     those of a checkpoint being resumed
   * @return the trainer; close it when done
   * @throws IllegalArgumentException when the corpus, model and options do not fit together
   * @throws IcmException when a checkpoint cannot be read or does not match
   */
  public static LmTrainer open(Path dir, GptConfig shape, Corpus corpus, TrainingOptions options) {
    requireNonNull(dir, "dir");
    requireNonNull(shape, "shape");
    requireNonNull(corpus, "corpus");
    requireNonNull(options, "options");
    if (hasCheckpoint(dir)) {
      return resume(dir, corpus, options);
    }
    checkFit(shape, corpus, options);
    BlockLm lm = BlockLm.create(shape, Device.cpu());
    try {
      Files.createDirectories(dir);
      return new LmTrainer(dir, lm, corpus, options, 0);
    } catch (IOException e) {
      lm.close();
      throw new UncheckedIOException("cannot create directory " + dir, e);
    } catch (RuntimeException e) {
      lm.close();
      throw e;
    }
  }

  /**
   * Starts a new run in {@code dir} (which must hold no checkpoint) from the weights of {@code
   * initial} (for example a model grown with {@link ModelCopies#grow}), with fresh optimizer state
   * at step 0. The trainer takes ownership of {@code initial} (it is closed with the trainer, or at
   * once when this method throws).
   *
   * @param dir the checkpoint directory (created if needed)
   * @param initial the model to train on; closed with the trainer
   * @param corpus the training text; its vocabulary must equal the model's
   * @param options the settings
   * @return the trainer; close it when done
   * @throws IllegalArgumentException when {@code dir} already holds a checkpoint, or the corpus,
   *     model and options do not fit together
   */
  public static LmTrainer start(Path dir, BlockLm initial, Corpus corpus, TrainingOptions options) {
    requireNonNull(dir, "dir");
    requireNonNull(initial, "initial");
    requireNonNull(corpus, "corpus");
    requireNonNull(options, "options");
    try {
      checkArgument(
          !hasCheckpoint(dir),
          "%s already holds a checkpoint: resume it, or start from other weights in an empty"
              + " directory",
          dir);
      checkFit(initial.config(), corpus, options);
      Files.createDirectories(dir);
      return new LmTrainer(dir, initial, corpus, options, 0);
    } catch (IOException e) {
      initial.close();
      throw new UncheckedIOException("cannot create directory " + dir, e);
    } catch (RuntimeException e) {
      initial.close();
      throw e;
    }
  }

  /**
   * Whether {@code dir} holds a checkpoint (its {@value #STATE_FILE} exists).
   *
   * @param dir a directory, which need not exist
   * @return true when a run can be resumed from it
   */
  public static boolean hasCheckpoint(Path dir) {
    return Files.isRegularFile(dir.resolve(STATE_FILE));
  }

  /**
   * Resumes the checkpoint in {@code dir}.
   *
   * @param dir the checkpoint directory
   * @param corpus the training text (the same as before, for an identical continuation)
   * @param options the settings; {@code seed}, {@code batchSize} and {@code context} must equal
   *     the checkpoint's. {@code steps} and the rates may change (the schedule is then recomputed
   *     from the new values).
   * @return the trainer, at the checkpoint's step
   * @throws IcmException when the checkpoint is missing, damaged or does not match
   */
  public static LmTrainer resume(Path dir, Corpus corpus, TrainingOptions options) {
    requireNonNull(dir, "dir");
    requireNonNull(corpus, "corpus");
    requireNonNull(options, "options");
    Properties state = CheckpointFiles.readState(dir, STATE_FILE);
    int savedStep = Integer.parseInt(property(state, "step", dir));
    checkSame(dir, "seed", Long.parseLong(property(state, "seed", dir)), options.seed());
    checkSame(dir, "batchSize", Integer.parseInt(property(state, "batchSize", dir)), options.batchSize());
    checkSame(dir, "context", Integer.parseInt(property(state, "context", dir)), options.context());
    long crc = Long.parseLong(property(state, "parametersCrc32", dir));
    long actual = CheckpointFiles.crc32(dir.resolve(BlockLm.PARAMETERS_FILE));
    if (crc != actual) {
      throw new IcmException(
          "the checkpoint in " + dir + " is inconsistent: " + BlockLm.PARAMETERS_FILE
              + " does not match " + STATE_FILE
              + " (was a save interrupted?); start a new run in an empty directory");
    }
    BlockLm lm = BlockLm.load(dir, Device.cpu());
    try {
      checkFit(lm.config(), corpus, options);
      LmTrainer trainer = new LmTrainer(dir, lm, corpus, options, savedStep);
      trainer.adam.read(dir.resolve(OPTIMIZER_FILE), savedStep, STATE_FILE);
      return trainer;
    } catch (RuntimeException e) {
      lm.close();
      throw e;
    }
  }

  /**
   * Runs to {@link TrainingOptions#steps()} and writes the final checkpoint.
   *
   * @param listener receives progress reports
   * @return what was done
   */
  public Result train(Listener listener) {
    return run(options.steps(), listener);
  }

  /**
   * Runs steps until {@code untilStep} steps are done (or {@link TrainingOptions#steps()}, if
   * smaller), writing checkpoints every {@code checkpointEvery} steps and at the end; does
   * nothing but the checkpoint when already there.
   *
   * @param untilStep the number of steps done when the call returns
   * @param listener receives progress reports
   * @return what was done
   * @throws IcmException naming the step when the loss or the gradients are not finite
   * @throws IllegalStateException when closed
   */
  public Result run(int untilStep, Listener listener) {
    requireNonNull(listener, "listener");
    checkOpen();
    int target = Math.min(untilStep, options.steps());
    appendLog(
        String.format(
            Locale.ROOT,
            "# %s step=%d steps=%d seed=%d batch=%d context=%d lr=%s warmup=%d final_lr=%s clip=%s"
                + " model=%s",
            step == 0 ? "start" : "resume",
            step,
            options.steps(),
            options.seed(),
            options.batchSize(),
            options.context(),
            options.peakLearningRate(),
            options.warmupSteps(),
            options.finalLearningRate(),
            options.clipNorm(),
            lm.config()));
    int startStep = step;
    long start = System.nanoTime();
    Denormals.Flushed<Double> run =
        TrainingLock.run(() -> Denormals.flushed(() -> steps(target, start, listener)));
    denormalsFlushed = run.flushed();
    long elapsed = System.nanoTime() - start;
    checkpoint();
    int done = step - startStep;
    return new Result(
        step,
        done,
        run.value(),
        done == 0 ? 0 : done * options.tokensPerStep() / (elapsed / 1e9),
        Duration.ofNanos(elapsed));
  }

  /** Steps until {@code target}; returns the mean loss since the last report. */
  private double steps(int target, long start, Listener listener) {
    long tokensPerStep = options.tokensPerStep();
    WarmupCosine schedule = options.schedule();
    long windowStart = start;
    int windowSteps = 0;
    double windowLoss = 0;
    double lastLoss = Double.NaN;
    while (step < target) {
      double rate = schedule.rate(step);
      double value = trainStep(rate);
      step++;
      windowSteps++;
      windowLoss += value;
      boolean last = step == target;
      if (step % options.logEvery() == 0 || last) {
        long now = System.nanoTime();
        double seconds = (now - windowStart) / 1e9;
        lastLoss = windowLoss / windowSteps;
        Progress progress =
            new Progress(
                step,
                options.steps(),
                lastLoss,
                seconds > 0 ? windowSteps * tokensPerStep / seconds : 0,
                rate,
                Duration.ofNanos(now - start));
        appendLog(
            String.format(
                Locale.ROOT,
                "step=%d loss=%.6f tokens_per_s=%.0f lr=%.3e elapsed_s=%.1f",
                progress.step(),
                progress.loss(),
                progress.tokensPerSecond(),
                progress.learningRate(),
                progress.elapsed().toNanos() / 1e9));
        listener.onProgress(progress);
        windowStart = System.nanoTime();
        windowSteps = 0;
        windowLoss = 0;
      }
      if (!last && options.checkpointEvery() > 0 && step % options.checkpointEvery() == 0) {
        checkpoint();
      }
    }
    return lastLoss;
  }

  /**
   * Writes the checkpoint of the current step into the directory (see the class description).
   *
   * @throws UncheckedIOException naming the file when it cannot be written
   */
  public void checkpoint() {
    checkOpen();
    lm.save(dir);
    adam.write(dir.resolve(OPTIMIZER_FILE), step);
    Properties state = new Properties();
    state.setProperty("format", "icm4j-lm-trainer");
    state.setProperty("formatVersion", "1");
    state.setProperty("step", Integer.toString(step));
    state.setProperty("seed", Long.toString(options.seed()));
    state.setProperty("batchSize", Integer.toString(options.batchSize()));
    state.setProperty("context", Integer.toString(options.context()));
    state.setProperty("steps", Integer.toString(options.steps()));
    state.setProperty(
        "parametersCrc32", Long.toString(CheckpointFiles.crc32(dir.resolve(BlockLm.PARAMETERS_FILE))));
    CheckpointFiles.writeState(dir, STATE_FILE, state, "icm4j LmTrainer checkpoint");
  }

  /** Steps done so far (including those before a resumption). */
  public int step() {
    return step;
  }

  /** The settings of this run. */
  public TrainingOptions options() {
    return options;
  }

  /** The model being trained; owned by this trainer (closed by {@link #close()}). */
  public BlockLm model() {
    return lm;
  }

  /** The checkpoint directory. */
  public Path directory() {
    return dir;
  }

  /** Whether the last {@link #run} flushed denormal floats to zero (see the class description). */
  public boolean flushesDenormals() {
    return denormalsFlushed;
  }

  /** Releases the model and the trainer's arrays; does not write a checkpoint. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      stepManagers.close();
      lm.close();
    }
  }

  /** The tokens of the batch of step {@code i}: {@code batchSize} windows of context + 1. */
  long[][] batch(int i) {
    SplittableRandom rng = new SplittableRandom(options.seed() * BATCH_SEED_MULTIPLIER + i);
    int length = options.context() + 1;
    int vocabulary = corpus.vocabularySize();
    long[][] rows = new long[options.batchSize()][];
    for (int b = 0; b < rows.length; b++) {
      long[] w = corpus.window(rng, length);
      if (w.length != length) {
        throw new IllegalStateException(
            "the corpus returned a window of " + w.length + " tokens, but " + length + " were asked");
      }
      for (long t : w) {
        if (t < 0 || t >= vocabulary) {
          throw new IllegalStateException(
              "the corpus returned token " + t + " outside [0, " + vocabulary + ")");
        }
      }
      rows[b] = w;
    }
    return rows;
  }

  private double trainStep(double rate) {
    int batch = options.batchSize();
    int context = options.context();
    long[][] rows = batch(step);
    long[] input = new long[batch * context];
    long[] labels = new long[batch * context];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(rows[b], 0, input, b * context, context);
      System.arraycopy(rows[b], 1, labels, b * context, context);
    }
    int vocabulary = lm.vocabularySize();
    float[][] gradients = new float[parameters.size()][];
    double value;
    try (NDManager sub = stepManagers.newSubManager()) {
      NDArray tokens = sub.create(input, new Shape(batch, context));
      NDArray targets = sub.create(labels, new Shape((long) batch * context));
      ParameterStore store = new ParameterStore(sub, false);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray logits = lm.block().forward(store, new NDList(tokens), true).head();
        NDArray lossArray =
            loss.evaluate(new NDList(targets), new NDList(logits.reshape(-1, vocabulary)));
        collector.backward(lossArray);
        value = lossArray.getFloat();
      }
      for (int i = 0; i < parameters.size(); i++) {
        NDArray gradient = parameters.get(i).getArray().getGradient();
        gradient.attach(sub);
        gradients[i] = gradient.toFloatArray();
        gradient.subi(gradient); // PyTorch accumulates gradients: zero them for the next step
      }
    }
    if (!Double.isFinite(value)) {
      throw new IcmException(
          "the training loss became " + value + " at step " + step + ": lower the learning rate");
    }
    double norm = GradientClipping.clipGlobalNorm(gradients, options.clipNorm());
    if (!Double.isFinite(norm)) {
      throw new IcmException(
          "the gradient norm became " + norm + " at step " + step + ": lower the learning rate");
    }
    adam.update(gradients, rate, step);
    return value;
  }

  private void appendLog(String line) {
    CheckpointFiles.appendLine(dir.resolve(LOG_FILE), line);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this LmTrainer is closed");
    }
  }

  private static String property(Properties p, String name, Path dir) {
    return CheckpointFiles.property(p, name, dir, STATE_FILE);
  }

  private static void checkFit(GptConfig shape, Corpus corpus, TrainingOptions options) {
    if (corpus.vocabularySize() != shape.vocabularySize()) {
      throw new IllegalArgumentException(
          "the corpus has " + corpus.vocabularySize()
              + " token ids but the model's vocabularySize is " + shape.vocabularySize());
    }
    if (options.context() > shape.maxLength()) {
      throw new IllegalArgumentException(
          "context (" + options.context() + ") must not exceed the model's maxLength ("
              + shape.maxLength() + ")");
    }
  }

  private static void checkSame(Path dir, String name, long saved, long given) {
    if (saved != given) {
      throw new IcmException(
          "the checkpoint in " + dir + " was trained with " + name + " " + saved
              + ", but the options give " + given + ": use the same " + name
              + " to resume, or another directory");
    }
  }
}
