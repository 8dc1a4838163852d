package org.icm4j.djl.train;

/**
 * Settings of {@link BlockLmFineTuner}. Immutable and thread-safe; the compact constructor rejects
 * bad values with a message that names the option and the value given. Start from {@link
 * #defaults()} and change what you need with the {@code with...} methods.
 *
 * <pre>{@code
 * FineTuneOptions options = FineTuneOptions.defaults().withMaxEpochs(10).withManyShot(32);
 * }</pre>
 *
 * @param maxEpochs passes over the training examples at most, at least 1
 * @param batchSize sequences per optimizer step, at least 1
 * @param learningRate Adam's peak learning rate (after warm-up), finite and > 0
 * @param finalLearningRate the rate the cosine decay reaches at the last step of {@code maxEpochs},
 *     0 to {@code learningRate}
 * @param warmupSteps steps of linear warm-up at the start, at least 0
 * @param weightDecay decoupled weight decay (DJL's AdamW when > 0, Adam when 0), 0 to 1
 * @param validationShare share of the labelled groups held out to stop early, in {@code [0, 1)};
 *     0: no validation, all {@code maxEpochs} are run
 * @param patience epochs without a lower validation loss after which training stops, at least 1
 * @param examplesPerSequence labelled examples per training sequence: 1 trains zero-shot (each
 *     sequence is one prompt and its label); {@code n > 1} trains many-shot (each sequence is up to
 *     {@code n} examples laid out as the scorer lays out demonstrations, with the loss on every
 *     label, each predicted from the ones before it)
 */
public record FineTuneOptions(
    int maxEpochs,
    int batchSize,
    double learningRate,
    double finalLearningRate,
    int warmupSteps,
    double weightDecay,
    double validationShare,
    int patience,
    int examplesPerSequence) {

  /**
   * Validates the settings; see the record description for the rules.
   *
   * @param maxEpochs passes over the training examples at most, at least 1
   * @param batchSize sequences per optimizer step, at least 1
   * @param learningRate Adam's peak learning rate (after warm-up), finite and > 0
   * @param finalLearningRate the rate the cosine decay reaches at the last step of {@code
   *     maxEpochs}, 0 to {@code learningRate}
   * @param warmupSteps steps of linear warm-up at the start, at least 0
   * @param weightDecay decoupled weight decay (DJL's AdamW when > 0, Adam when 0), 0 to 1
   * @param validationShare share of the labelled groups held out to stop early, in {@code [0, 1)};
   *     0: no validation, all {@code maxEpochs} are run
   * @param patience epochs without a lower validation loss after which training stops, at least 1
   * @param examplesPerSequence labelled examples per training sequence: 1 trains zero-shot (each
   *     sequence is one prompt and its label); {@code n > 1} trains many-shot (each sequence is up to
   *     {@code n} examples laid out as the scorer lays out demonstrations, with the loss on every
   *     label, each predicted from the ones before it)
   */
  public FineTuneOptions {
    TrainingOptions.checkAtLeast("maxEpochs", maxEpochs, 1);
    TrainingOptions.checkAtLeast("batchSize", batchSize, 1);
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be finite and > 0, but was " + learningRate);
    }
    if (!(finalLearningRate >= 0) || finalLearningRate > learningRate) {
      throw new IllegalArgumentException(
          "finalLearningRate must be between 0 and learningRate (" + learningRate + "), but was "
              + finalLearningRate);
    }
    TrainingOptions.checkAtLeast("warmupSteps", warmupSteps, 0);
    if (!(weightDecay >= 0 && weightDecay <= 1)) {
      throw new IllegalArgumentException("weightDecay must be in [0, 1], but was " + weightDecay);
    }
    if (!(validationShare >= 0 && validationShare < 1)) {
      throw new IllegalArgumentException(
          "validationShare must be in [0, 1) (0: no validation), but was " + validationShare);
    }
    TrainingOptions.checkAtLeast("patience", patience, 1);
    TrainingOptions.checkAtLeast("examplesPerSequence", examplesPerSequence, 1);
  }

  /**
   * The defaults: at most 20 epochs of zero-shot sequences, batches of 16, Adam at 1e-3 with 10
   * warm-up steps and cosine decay to 1e-4, a fifth of the labelled groups for validation, patience
   * 3.
   *
   * @return the defaults
   */
  public static FineTuneOptions defaults() {
    return new FineTuneOptions(20, 16, 1e-3, 1e-4, 10, 0, 0.2, 3, 1);
  }

  /**
   * These settings with another {@link #maxEpochs}.
   *
   * @param epochs the passes over the training examples at most, at least 1
   * @return these settings with another {@link #maxEpochs}
   */
  public FineTuneOptions withMaxEpochs(int epochs) {
    return new FineTuneOptions(epochs, batchSize, learningRate, finalLearningRate, warmupSteps,
        weightDecay, validationShare, patience, examplesPerSequence);
  }

  /**
   * These settings with another {@link #batchSize}.
   *
   * @param size sequences (or pairs) per optimizer step, at least 1
   * @return these settings with another {@link #batchSize}
   */
  public FineTuneOptions withBatchSize(int size) {
    return new FineTuneOptions(maxEpochs, size, learningRate, finalLearningRate, warmupSteps,
        weightDecay, validationShare, patience, examplesPerSequence);
  }

  /**
   * These settings with another peak and final learning rate.
   *
   * @param peak the peak learning rate (after warm-up), finite and > 0
   * @param last the rate the cosine decay reaches at the last step, 0 to {@code peak}
   * @return these settings with another peak and final learning rate
   */
  public FineTuneOptions withLearningRate(double peak, double last) {
    return new FineTuneOptions(maxEpochs, batchSize, peak, last, warmupSteps, weightDecay,
        validationShare, patience, examplesPerSequence);
  }

  /**
   * These settings with another {@link #warmupSteps}.
   *
   * @param steps warm-up steps, at least 0
   * @return these settings with another {@link #warmupSteps}
   */
  public FineTuneOptions withWarmupSteps(int steps) {
    return new FineTuneOptions(maxEpochs, batchSize, learningRate, finalLearningRate, steps,
        weightDecay, validationShare, patience, examplesPerSequence);
  }

  /**
   * These settings with another {@link #weightDecay}.
   *
   * @param decay the decoupled weight decay, 0 to 1 (0: Adam)
   * @return these settings with another {@link #weightDecay}
   */
  public FineTuneOptions withWeightDecay(double decay) {
    return new FineTuneOptions(maxEpochs, batchSize, learningRate, finalLearningRate, warmupSteps,
        decay, validationShare, patience, examplesPerSequence);
  }

  /**
   * These settings with another {@link #validationShare} and {@link #patience}.
   *
   * @param share the share of the labelled groups held out, in {@code [0, 1)}; 0 runs every epoch
   * @param epochs the patience: epochs without a lower validation loss before stopping, at least 1
   * @return these settings with another {@link #validationShare} and {@link #patience}
   */
  public FineTuneOptions withValidation(double share, int epochs) {
    return new FineTuneOptions(maxEpochs, batchSize, learningRate, finalLearningRate, warmupSteps,
        weightDecay, share, epochs, examplesPerSequence);
  }

  /**
   * These settings training zero-shot: one example per sequence.
   *
   * @return these settings training zero-shot
   */
  public FineTuneOptions withZeroShot() {
    return withManyShot(1);
  }

  /**
   * These settings training many-shot: up to {@code examples} examples per sequence.
   *
   * @param examples labelled examples per training sequence at most, at least 1
   * @return these settings training many-shot
   */
  public FineTuneOptions withManyShot(int examples) {
    return new FineTuneOptions(maxEpochs, batchSize, learningRate, finalLearningRate, warmupSteps,
        weightDecay, validationShare, patience, examples);
  }
}
