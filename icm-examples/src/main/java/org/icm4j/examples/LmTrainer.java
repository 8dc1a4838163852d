package org.icm4j.examples;

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
import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.icm4j.IcmException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.jspecify.annotations.Nullable;

/**
 * Trains a {@link BlockLm} on a {@link Corpus} with Adam, warm-up plus cosine learning-rate decay
 * and global-norm gradient clipping, writing resumable checkpoints.
 *
 * <pre>{@code
 * TrainingOptions options = new TrainingOptions(
 *     2000, 8, 256, 2e-3, 200, 2e-4, 1.0, 42L, 50, 500);
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
 * global L2 norm exceeds {@code clipNorm} ({@link #clipGlobalNorm}), and Adam updates the weights
 * with the rate of {@link #learningRate(TrainingOptions, int)}. Every array of a step lives in a
 * sub-manager closed at the end of the step: nothing accumulates in the model's manager.
 *
 * <p><b>Adam</b> is written here, in Java, over copies of the parameter and gradient arrays
 * (β1 = {@value #BETA1}, β2 = {@value #BETA2}, ε = {@value #EPSILON}, bias-corrected, no weight
 * decay) rather than DJL's {@code Optimizer.adam()}, because DJL keeps its moments privately and
 * cannot save them; here they are saved with the checkpoint. Arithmetic is in double per element,
 * stored as float.
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
 * <p><b>Denormals.</b> Tiny (denormal) floats slow CPU training about 2.4x on x86-64. During
 * {@link #run}, on Linux x86-64, the calling thread's MXCSR register gets the flush-to-zero and
 * denormals-are-zero bits (through JNA, which DJL's API brings, calling glibc's {@code fegetenv} /
 * {@code fesetenv}); the previous state is restored when {@code run} returns. PyTorch with one
 * intra-op thread computes on the calling thread, so this covers forward and backward; extra
 * intra-op threads of PyTorch are not covered. Java arithmetic on that thread during the run (the
 * Adam update) also flushes denormals. Where this is not possible it is skipped ({@link
 * #flushesDenormals()} says which).
 *
 * <p>Not thread-safe: one trainer is used by one thread at a time. {@link #close()} releases the
 * model.
 */
public final class LmTrainer implements AutoCloseable {

  /** File name of the optimizer state in a checkpoint directory. */
  public static final String OPTIMIZER_FILE = "optimizer.bin";

  /** File name of the step, seed and batch settings in a checkpoint directory. */
  public static final String STATE_FILE = "trainer-state.properties";

  /** File name of the training log in a checkpoint directory. */
  public static final String LOG_FILE = "train.log";

  /** Adam's decay rate of the first moment. */
  public static final double BETA1 = 0.9;

  /** Adam's decay rate of the second moment. */
  public static final double BETA2 = 0.999;

  /** Adam's term added to the root of the second moment. */
  public static final double EPSILON = 1e-8;

  private static final String OPTIMIZER_MAGIC = "icm4j-adam";
  private static final int OPTIMIZER_VERSION = 1;
  private static final long BATCH_SEED_MULTIPLIER = 1_000_003L;

  /**
   * Settings of a training run. Immutable and thread-safe; the compact constructor rejects bad
   * values with a message that names the option and the value given.
   *
   * @param steps total number of optimizer steps of the run, at least 1
   * @param batchSize windows per step, at least 1
   * @param context tokens the model reads per window, at least 1 (at most the model's maxLength)
   * @param peakLearningRate the rate reached at the end of warm-up, finite and > 0
   * @param warmupSteps steps of linear warm-up from {@code peakLearningRate / warmupSteps} to
   *     {@code peakLearningRate}, 0 to {@code steps}
   * @param finalLearningRate the rate the cosine decay reaches at the last step, 0 to {@code
   *     peakLearningRate}
   * @param clipNorm the largest global L2 norm of the gradients; larger gradients are scaled down
   *     to it; finite and > 0, or {@code Double.POSITIVE_INFINITY} for no clipping
   * @param seed the seed of the batches (the model's weights come from {@link GptConfig#seed()})
   * @param logEvery steps between log lines and progress reports, at least 1
   * @param checkpointEvery steps between checkpoints, at least 0 (0: only at the end of a run)
   */
  public record TrainingOptions(
      int steps,
      int batchSize,
      int context,
      double peakLearningRate,
      int warmupSteps,
      double finalLearningRate,
      double clipNorm,
      long seed,
      int logEvery,
      int checkpointEvery) {

    /** Validates the settings; see the record description for the rules. */
    public TrainingOptions {
      checkAtLeast("steps", steps, 1);
      checkAtLeast("batchSize", batchSize, 1);
      checkAtLeast("context", context, 1);
      if (!(peakLearningRate > 0) || !Double.isFinite(peakLearningRate)) {
        throw new IllegalArgumentException(
            "peakLearningRate must be finite and > 0, but was " + peakLearningRate);
      }
      if (warmupSteps < 0 || warmupSteps > steps) {
        throw new IllegalArgumentException(
            "warmupSteps must be between 0 and steps ("
                + steps
                + "), but was "
                + warmupSteps);
      }
      if (!(finalLearningRate >= 0) || finalLearningRate > peakLearningRate) {
        throw new IllegalArgumentException(
            "finalLearningRate must be between 0 and peakLearningRate ("
                + peakLearningRate
                + "), but was "
                + finalLearningRate);
      }
      if (!(clipNorm > 0)) {
        throw new IllegalArgumentException(
            "clipNorm must be > 0 (or infinite for no clipping), but was " + clipNorm);
      }
      checkAtLeast("logEvery", logEvery, 1);
      checkAtLeast("checkpointEvery", checkpointEvery, 0);
    }

    /** Input tokens read per step: {@code batchSize * context}. */
    public long tokensPerStep() {
      return (long) batchSize * context;
    }

    private static void checkAtLeast(String name, int value, int min) {
      if (value < min) {
        throw new IllegalArgumentException(name + " must be >= " + min + ", but was " + value);
      }
    }
  }

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
  private final float[][] firstMoment;
  private final float[][] secondMoment;
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
    this.firstMoment = new float[parameters.size()][];
    this.secondMoment = new float[parameters.size()][];
    for (int i = 0; i < parameters.size(); i++) {
      int size = Math.toIntExact(parameters.get(i).getArray().size());
      firstMoment[i] = new float[size];
      secondMoment[i] = new float[size];
    }
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
   * initial}, with fresh optimizer state at step 0. The trainer takes ownership of {@code initial}
   * (it is closed with the trainer, or at once when this method throws).
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
   * A copy of {@code source} with {@code layers} transformer blocks: its layers first, then new
   * ones whose two projections into the residual stream (attention output, MLP output) are zero,
   * so the grown model computes exactly what {@code source} does until training changes them.
   *
   * @param source the model to grow (not changed, not closed)
   * @param layers the number of layers of the copy, at least that of {@code source}
   * @return the grown model on the CPU; close it when done
   */
  public static BlockLm grow(BlockLm source, int layers) {
    requireNonNull(source, "source");
    GptConfig c = source.config();
    checkArgument(
        layers >= c.layers(),
        "a model of %s layers cannot be grown to %s layers: give at least %s",
        c.layers(), layers, c.layers());
    GptConfig shape =
        new GptConfig(
            c.vocabularySize(), c.maxLength(), layers, c.heads(), c.embedding(), c.mlpHidden(), c.seed());
    BlockLm grown = BlockLm.create(shape, Device.cpu());
    Map<String, Parameter> from = new HashMap<>();
    for (Pair<String, Parameter> p : source.block().getParameters()) {
      from.put(p.getValue().getName(), p.getValue());
    }
    for (Pair<String, Parameter> p : grown.block().getParameters()) {
      Parameter target = p.getValue();
      Parameter old = from.get(target.getName());
      NDArray array = target.getArray();
      if (old != null) {
        array.set(FloatBuffer.wrap(old.getArray().toFloatArray()));
      } else if (target.getName().endsWith("attention_out_weight")
          || target.getName().endsWith("mlp_out_weight")) {
        array.set(FloatBuffer.wrap(new float[Math.toIntExact(array.size())]));
      }
    }
    return grown;
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
    Properties state = readState(dir);
    int savedStep = intProperty(state, "step", dir);
    checkSame(dir, "seed", Long.parseLong(property(state, "seed", dir)), options.seed());
    checkSame(dir, "batchSize", intProperty(state, "batchSize", dir), options.batchSize());
    checkSame(dir, "context", intProperty(state, "context", dir), options.context());
    long crc = Long.parseLong(property(state, "parametersCrc32", dir));
    long actual = crc32(dir.resolve(BlockLm.PARAMETERS_FILE));
    if (crc != actual) {
      throw new IcmException(
          "the checkpoint in "
              + dir
              + " is inconsistent: "
              + BlockLm.PARAMETERS_FILE
              + " does not match "
              + STATE_FILE
              + " (was a save interrupted?); start a new run in an empty directory");
    }
    BlockLm lm = BlockLm.load(dir, Device.cpu());
    try {
      checkFit(lm.config(), corpus, options);
      LmTrainer trainer = new LmTrainer(dir, lm, corpus, options, savedStep);
      trainer.readOptimizer(dir.resolve(OPTIMIZER_FILE));
      return trainer;
    } catch (RuntimeException e) {
      lm.close();
      throw e;
    }
  }

  /**
   * The learning rate of step {@code step} (0-based): linear warm-up {@code peak * (step + 1) /
   * warmupSteps} for the first {@code warmupSteps} steps, then cosine decay from {@code peak} to
   * {@code finalLearningRate} at the last step ({@code steps - 1}); steps beyond it keep the final
   * rate.
   *
   * @param options the schedule
   * @param step the step, at least 0
   * @return the rate
   */
  public static double learningRate(TrainingOptions options, int step) {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, but was " + step);
    }
    double peak = options.peakLearningRate();
    int warmup = options.warmupSteps();
    if (step < warmup) {
      return peak * (step + 1) / warmup;
    }
    int decaySteps = options.steps() - warmup - 1;
    if (decaySteps <= 0) {
      return step == warmup ? peak : options.finalLearningRate();
    }
    double progress = Math.min(1.0, (double) (step - warmup) / decaySteps);
    double fin = options.finalLearningRate();
    return fin + 0.5 * (peak - fin) * (1 + Math.cos(Math.PI * progress));
  }

  /**
   * Scales all gradients by one factor so that their global L2 norm (the root of the sum of
   * squares of every element of every array) is at most {@code maxNorm}: when the norm {@code n}
   * exceeds it, every element is multiplied by {@code maxNorm / n}; otherwise nothing changes.
   *
   * @param gradients the gradients, changed in place
   * @param maxNorm the largest norm allowed, > 0 (infinite: no clipping)
   * @return the norm before clipping
   */
  public static double clipGlobalNorm(float[][] gradients, double maxNorm) {
    requireNonNull(gradients, "gradients");
    if (!(maxNorm > 0)) {
      throw new IllegalArgumentException("maxNorm must be > 0, but was " + maxNorm);
    }
    double sum = 0;
    for (float[] g : gradients) {
      for (float x : g) {
        sum += (double) x * x;
      }
    }
    double norm = Math.sqrt(sum);
    if (norm > maxNorm && Double.isFinite(norm)) {
      double scale = maxNorm / norm;
      for (float[] g : gradients) {
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) (g[i] * scale);
        }
      }
    }
    return norm;
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
    long tokensPerStep = options.tokensPerStep();
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
    long windowStart = start;
    int windowSteps = 0;
    double windowLoss = 0;
    double lastLoss = Double.NaN;
    double lastRate = 0;
    @Nullable Memory savedEnvironment = flushDenormalsOnThisThread();
    denormalsFlushed = savedEnvironment != null;
    try {
      while (step < target) {
        lastRate = learningRate(options, step);
        double value = trainStep(lastRate);
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
                  lastRate,
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
    } finally {
      if (savedEnvironment != null) {
        restoreEnvironment(savedEnvironment);
      }
    }
    long elapsed = System.nanoTime() - start;
    checkpoint();
    int done = step - startStep;
    return new Result(
        step,
        done,
        lastLoss,
        done == 0 ? 0 : done * tokensPerStep / (elapsed / 1e9),
        Duration.ofNanos(elapsed));
  }

  /**
   * Writes the checkpoint of the current step into the directory (see the class description).
   *
   * @throws UncheckedIOException naming the file when it cannot be written
   */
  public void checkpoint() {
    checkOpen();
    lm.save(dir);
    writeOptimizer(dir.resolve(OPTIMIZER_FILE));
    Properties state = new Properties();
    state.setProperty("format", "icm4j-lm-trainer");
    state.setProperty("formatVersion", "1");
    state.setProperty("step", Integer.toString(step));
    state.setProperty("seed", Long.toString(options.seed()));
    state.setProperty("batchSize", Integer.toString(options.batchSize()));
    state.setProperty("context", Integer.toString(options.context()));
    state.setProperty("steps", Integer.toString(options.steps()));
    state.setProperty(
        "parametersCrc32", Long.toString(crc32(dir.resolve(BlockLm.PARAMETERS_FILE))));
    Path file = dir.resolve(STATE_FILE);
    Path tmp = dir.resolve(STATE_FILE + ".tmp");
    try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      state.store(out, "icm4j LmTrainer checkpoint");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    move(tmp, file);
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

  /**
   * Whether the last {@link #run} flushed denormal floats to zero (see the class description).
   */
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
    double norm = clipGlobalNorm(gradients, options.clipNorm());
    if (!Double.isFinite(norm)) {
      throw new IcmException(
          "the gradient norm became " + norm + " at step " + step + ": lower the learning rate");
    }
    adam(gradients, rate);
    return value;
  }

  private void adam(float[][] gradients, double rate) {
    int t = step + 1;
    double correction1 = 1 - Math.pow(BETA1, t);
    double correction2 = 1 - Math.pow(BETA2, t);
    for (int i = 0; i < parameters.size(); i++) {
      NDArray array = parameters.get(i).getArray();
      float[] w = array.toFloatArray();
      float[] g = gradients[i];
      float[] m = firstMoment[i];
      float[] v = secondMoment[i];
      for (int j = 0; j < w.length; j++) {
        double gj = g[j];
        double mj = BETA1 * m[j] + (1 - BETA1) * gj;
        double vj = BETA2 * v[j] + (1 - BETA2) * gj * gj;
        m[j] = (float) mj;
        v[j] = (float) vj;
        double update = rate * (mj / correction1) / (Math.sqrt(vj / correction2) + EPSILON);
        w[j] = (float) (w[j] - update);
      }
      array.set(FloatBuffer.wrap(w));
    }
  }

  private void writeOptimizer(Path file) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
      out.writeUTF(OPTIMIZER_MAGIC);
      out.writeInt(OPTIMIZER_VERSION);
      out.writeInt(step);
      out.writeInt(parameters.size());
      for (int i = 0; i < parameters.size(); i++) {
        out.writeUTF(parameters.get(i).getName());
        out.writeInt(firstMoment[i].length);
        for (float x : firstMoment[i]) {
          out.writeFloat(x);
        }
        for (float x : secondMoment[i]) {
          out.writeFloat(x);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    move(tmp, file);
  }

  private void readOptimizer(Path file) {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      String magic = in.readUTF();
      int version = in.readInt();
      if (!OPTIMIZER_MAGIC.equals(magic) || version != OPTIMIZER_VERSION) {
        throw new IcmException(
            file + " holds " + magic + " version " + version + ", not " + OPTIMIZER_MAGIC + " 1");
      }
      int savedStep = in.readInt();
      if (savedStep != step) {
        throw new IcmException(
            file
                + " is from step "
                + savedStep
                + " but "
                + STATE_FILE
                + " says step "
                + step
                + " (was a save interrupted?)");
      }
      int count = in.readInt();
      if (count != parameters.size()) {
        throw new IcmException(
            file + " has " + count + " parameters, the model " + parameters.size());
      }
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        int length = in.readInt();
        if (!name.equals(parameters.get(i).getName()) || length != firstMoment[i].length) {
          throw new IcmException(
              file
                  + " holds parameter "
                  + name
                  + " of "
                  + length
                  + " values where the model has "
                  + parameters.get(i).getName()
                  + " of "
                  + firstMoment[i].length);
        }
        for (int j = 0; j < length; j++) {
          firstMoment[i][j] = in.readFloat();
        }
        for (int j = 0; j < length; j++) {
          secondMoment[i][j] = in.readFloat();
        }
      }
    } catch (NoSuchFileException e) {
      throw new IcmException("no " + OPTIMIZER_FILE + " in " + file.getParent(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private void appendLog(String line) {
    Path file = dir.resolve(LOG_FILE);
    try {
      Files.writeString(
          file,
          line + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this LmTrainer is closed");
    }
  }

  private static void checkFit(GptConfig shape, Corpus corpus, TrainingOptions options) {
    if (corpus.vocabularySize() != shape.vocabularySize()) {
      throw new IllegalArgumentException(
          "the corpus has "
              + corpus.vocabularySize()
              + " token ids but the model's vocabularySize is "
              + shape.vocabularySize());
    }
    if (options.context() > shape.maxLength()) {
      throw new IllegalArgumentException(
          "context ("
              + options.context()
              + ") must not exceed the model's maxLength ("
              + shape.maxLength()
              + ")");
    }
  }

  private static Properties readState(Path dir) {
    Path file = dir.resolve(STATE_FILE);
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      throw new IcmException("no checkpoint in " + dir + " (" + STATE_FILE + " is missing)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return p;
  }

  private static String property(Properties p, String name, Path dir) {
    String value = p.getProperty(name);
    if (value == null) {
      throw new IcmException(dir.resolve(STATE_FILE) + " has no " + name);
    }
    return value.trim();
  }

  private static int intProperty(Properties p, String name, Path dir) {
    return Integer.parseInt(property(p, name, dir));
  }

  private static void checkSame(Path dir, String name, long saved, long given) {
    if (saved != given) {
      throw new IcmException(
          "the checkpoint in "
              + dir
              + " was trained with "
              + name
              + " "
              + saved
              + ", but the options give "
              + given
              + ": use the same "
              + name
              + " to resume, or another directory");
    }
  }

  private static long crc32(Path file) {
    CRC32 crc = new CRC32();
    try (var in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        crc.update(buffer, 0, n);
      }
    } catch (NoSuchFileException e) {
      throw new IcmException("no " + file.getFileName() + " in " + file.getParent(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return crc.getValue();
  }

  private static void move(Path from, Path to) {
    try {
      try {
        Files.move(
            from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + to, e);
    }
  }

  // glibc x86-64 fenv_t is 32 bytes; its __mxcsr field is at offset 28.
  private static final int FENV_SIZE = 32;
  private static final int MXCSR_OFFSET = 28;
  private static final int FTZ_DAZ = 0x8040;

  /** Sets FTZ and DAZ on this thread; returns the previous environment, or null if not done. */
  private static @Nullable Memory flushDenormalsOnThisThread() {
    if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit()) {
      return null;
    }
    try {
      NativeLibrary c = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
      Function get = c.getFunction("fegetenv");
      Function set = c.getFunction("fesetenv");
      Memory saved = new Memory(FENV_SIZE);
      if (get.invokeInt(new Object[] {saved}) != 0) {
        return null;
      }
      Memory changed = new Memory(FENV_SIZE);
      changed.write(0, saved.getByteArray(0, FENV_SIZE), 0, FENV_SIZE);
      changed.setInt(MXCSR_OFFSET, saved.getInt(MXCSR_OFFSET) | FTZ_DAZ);
      if (set.invokeInt(new Object[] {changed}) != 0) {
        return null;
      }
      return saved;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return null;
    }
  }

  private static void restoreEnvironment(Memory saved) {
    try {
      NativeLibrary.getInstance(Platform.C_LIBRARY_NAME)
          .getFunction("fesetenv")
          .invokeInt(new Object[] {saved});
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      // nothing more to do: the thread keeps flushing denormals
    }
  }

  /** Reads this thread's MXCSR through glibc, or -1 when not possible; for tests. */
  static int currentMxcsr() {
    if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit()) {
      return -1;
    }
    try {
      Memory env = new Memory(FENV_SIZE);
      NativeLibrary.getInstance(Platform.C_LIBRARY_NAME)
          .getFunction("fegetenv")
          .invokeInt(new Object[] {env});
      return env.getInt(MXCSR_OFFSET);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return -1;
    }
  }
}
