package org.icm4j.djl.train;

/**
 * Settings of a {@link LmTrainer} run. Immutable and thread-safe; the compact constructor rejects
 * bad values with a message that names the option and the value given.
 *
 * <pre>{@code
 * TrainingOptions options = new TrainingOptions(2000, 8, 256, 2e-3, 200, 2e-4, 1.0, 42L, 50, 500);
 * }</pre>
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

  static void checkAtLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", but was " + value);
    }
  }
}
