package org.icm4j.djl.train;

import org.jspecify.annotations.Nullable;

/**
 * Settings of a {@link LmTrainer} run. Immutable and thread-safe; the compact constructor rejects
 * bad values with a message that names the option and the value given. Build them with {@link
 * #builder()}, which names each number and checks it when it is set:
 *
 * <pre>{@code
 * TrainingOptions options =
 *     TrainingOptions.builder()
 *         .seed(42)
 *         .steps(2000)
 *         .batchSize(8)
 *         .context(256)
 *         .learningRate(2e-3, 2e-4) // peak, then cosine decay to the final rate
 *         .warmupSteps(200)
 *         .build();
 * }</pre>
 *
 * <p>Every setting but the seed has a default ({@link Builder}); the values above are {@code
 * icm-examples}' {@code TrainCommand} defaults, with which the embedded world model was trained.
 *
 * @param steps total number of optimizer steps of the run, at least 1
 * @param batchSize windows per step, at least 1
 * @param context tokens the model reads per window, at least 1 (at most the model's maxLength)
 * @param peakLearningRate the rate reached at the end of warm-up, finite and > 0
 * @param warmupSteps steps of linear warm-up from {@code peakLearningRate / warmupSteps} to {@code
 *     peakLearningRate}, 0 to {@code steps}
 * @param finalLearningRate the rate the cosine decay reaches at the last step, 0 to {@code
 *     peakLearningRate}
 * @param clipNorm the largest global L2 norm of the gradients; larger gradients are scaled down to
 *     it; finite and > 0, or {@code Double.POSITIVE_INFINITY} for no clipping
 * @param seed the seed of the batches (the model's weights come from {@code GptConfig.seed()})
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
    WarmupCosine.check(peakLearningRate, warmupSteps, steps, finalLearningRate);
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

  /** The learning-rate schedule of these settings. */
  public WarmupCosine schedule() {
    return new WarmupCosine(peakLearningRate, warmupSteps, steps, finalLearningRate);
  }

  /** A builder; {@link Builder#seed} is required, everything else has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds {@link TrainingOptions}. Each setter checks its value at once and says what was given;
   * {@link #build()} checks the settings together (warm-up within the steps, final rate at most the
   * peak). Not thread-safe.
   */
  public static final class Builder {
    /** Default of {@link #steps}. */
    public static final int DEFAULT_STEPS = 2000;

    /** Default of {@link #batchSize}. */
    public static final int DEFAULT_BATCH_SIZE = 8;

    /** Default of {@link #context}. */
    public static final int DEFAULT_CONTEXT = 256;

    /** Default peak rate of {@link #learningRate}. */
    public static final double DEFAULT_PEAK_LEARNING_RATE = 2e-3;

    /** Default final rate of {@link #learningRate}. */
    public static final double DEFAULT_FINAL_LEARNING_RATE = 2e-4;

    /** Default of {@link #warmupSteps}. */
    public static final int DEFAULT_WARMUP_STEPS = 200;

    /** Default of {@link #clipNorm}. */
    public static final double DEFAULT_CLIP_NORM = 1.0;

    /** Default of {@link #logEvery}. */
    public static final int DEFAULT_LOG_EVERY = 50;

    /** Default of {@link #checkpointEvery}. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 500;

    private int steps = DEFAULT_STEPS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int context = DEFAULT_CONTEXT;
    private double peakLearningRate = DEFAULT_PEAK_LEARNING_RATE;
    private double finalLearningRate = DEFAULT_FINAL_LEARNING_RATE;
    private int warmupSteps = DEFAULT_WARMUP_STEPS;
    private double clipNorm = DEFAULT_CLIP_NORM;
    private @Nullable Long seed;
    private int logEvery = DEFAULT_LOG_EVERY;
    private int checkpointEvery = DEFAULT_CHECKPOINT_EVERY;

    private Builder() {}

    /**
     * Total optimizer steps of the run (default {@value #DEFAULT_STEPS}).
     *
     * @throws IllegalArgumentException when below 1
     */
    public Builder steps(int steps) {
      checkAtLeast("steps", steps, 1);
      this.steps = steps;
      return this;
    }

    /**
     * Windows per step (default {@value #DEFAULT_BATCH_SIZE}).
     *
     * @throws IllegalArgumentException when below 1
     */
    public Builder batchSize(int windows) {
      checkAtLeast("batchSize", windows, 1);
      this.batchSize = windows;
      return this;
    }

    /**
     * Tokens the model reads per window (default {@value #DEFAULT_CONTEXT}); at most the model's
     * maxLength, which {@link LmTrainer} checks.
     *
     * @throws IllegalArgumentException when below 1
     */
    public Builder context(int tokens) {
      checkAtLeast("context", tokens, 1);
      this.context = tokens;
      return this;
    }

    /**
     * The peak learning rate, reached at the end of warm-up, and the rate the cosine decay reaches
     * at the last step (default {@value #DEFAULT_PEAK_LEARNING_RATE} and {@value
     * #DEFAULT_FINAL_LEARNING_RATE}).
     *
     * @throws IllegalArgumentException when the peak is not finite and above 0, or the final rate
     *     is not between 0 and the peak
     */
    public Builder learningRate(double peak, double last) {
      if (!(peak > 0) || !Double.isFinite(peak)) {
        throw new IllegalArgumentException("the peak learning rate must be finite and > 0, but was " + peak);
      }
      if (!(last >= 0) || last > peak) {
        throw new IllegalArgumentException(
            "the final learning rate must be between 0 and the peak (" + peak + "), but was " + last);
      }
      this.peakLearningRate = peak;
      this.finalLearningRate = last;
      return this;
    }

    /**
     * Steps of linear warm-up (default {@value #DEFAULT_WARMUP_STEPS}); at most {@link #steps},
     * which {@link #build()} checks.
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder warmupSteps(int steps) {
      checkAtLeast("warmupSteps", steps, 0);
      this.warmupSteps = steps;
      return this;
    }

    /**
     * The largest global L2 norm of the gradients (default {@value #DEFAULT_CLIP_NORM}); {@code
     * Double.POSITIVE_INFINITY} for no clipping.
     *
     * @throws IllegalArgumentException when not above 0 (or NaN)
     */
    public Builder clipNorm(double norm) {
      if (!(norm > 0)) {
        throw new IllegalArgumentException(
            "clipNorm must be > 0 (or infinite for no clipping), but was " + norm);
      }
      this.clipNorm = norm;
      return this;
    }

    /** The seed of the batches (required; the model's weights come from {@code GptConfig.seed()}). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Steps between log lines and progress reports (default {@value #DEFAULT_LOG_EVERY}).
     *
     * @throws IllegalArgumentException when below 1
     */
    public Builder logEvery(int steps) {
      checkAtLeast("logEvery", steps, 1);
      this.logEvery = steps;
      return this;
    }

    /**
     * Steps between checkpoints, 0 for only at the end of a run (default {@value
     * #DEFAULT_CHECKPOINT_EVERY}).
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder checkpointEvery(int steps) {
      checkAtLeast("checkpointEvery", steps, 0);
      this.checkpointEvery = steps;
      return this;
    }

    /**
     * The settings. The builder is not changed and can build again.
     *
     * @throws IllegalStateException when no seed was set
     * @throws IllegalArgumentException when the warm-up is longer than the steps
     */
    public TrainingOptions build() {
      if (seed == null) {
        throw new IllegalStateException("no seed set: call seed(long); runs are seeded explicitly");
      }
      if (warmupSteps > steps) {
        throw new IllegalArgumentException(
            "warmupSteps (" + warmupSteps + ") must be at most steps (" + steps + "): lower"
                + " warmupSteps or raise steps");
      }
      return new TrainingOptions(
          steps, batchSize, context, peakLearningRate, warmupSteps, finalLearningRate, clipNorm,
          seed, logEvery, checkpointEvery);
    }
  }

  static void checkAtLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", but was " + value);
    }
  }
}
