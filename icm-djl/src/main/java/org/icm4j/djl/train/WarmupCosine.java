package org.icm4j.djl.train;

import ai.djl.training.tracker.Tracker;

/**
 * A learning-rate schedule: linear warm-up to a peak, then cosine decay to a final rate at the
 * last step. Step {@code s} (0-based) gets {@code peak * (s + 1) / warmupSteps} for the first
 * {@code warmupSteps} steps, then {@code final + (peak - final) * (1 + cos(pi * p)) / 2} with {@code
 * p = (s - warmupSteps) / (steps - warmupSteps - 1)}; steps beyond the last keep the final rate.
 * It is a DJL {@link Tracker}, so DJL's optimizers can use it ({@code
 * Optimizer.adam().optLearningRateTracker(schedule)}; DJL counts updates from 1). Immutable and
 * thread-safe.
 *
 * @param peakLearningRate the rate at the end of warm-up, finite and > 0
 * @param warmupSteps steps of warm-up, 0 to {@code steps}
 * @param steps the steps of the run, at least 1
 * @param finalLearningRate the rate at the last step, 0 to {@code peakLearningRate}
 */
public record WarmupCosine(double peakLearningRate, int warmupSteps, int steps, double finalLearningRate)
    implements Tracker {

  /**
   * Validates the schedule; see the record description for the rules.
   *
   * @param peakLearningRate the rate at the end of warm-up, finite and > 0
   * @param warmupSteps steps of warm-up, 0 to {@code steps}
   * @param steps the steps of the run, at least 1
   * @param finalLearningRate the rate at the last step, 0 to {@code peakLearningRate}
   */
  public WarmupCosine {
    TrainingOptions.checkAtLeast("steps", steps, 1);
    check(peakLearningRate, warmupSteps, steps, finalLearningRate);
  }

  static void check(double peak, int warmupSteps, int steps, double finalRate) {
    if (!(peak > 0) || !Double.isFinite(peak)) {
      throw new IllegalArgumentException("peakLearningRate must be finite and > 0, but was " + peak);
    }
    if (warmupSteps < 0 || warmupSteps > steps) {
      throw new IllegalArgumentException(
          "warmupSteps must be between 0 and steps (" + steps + "), but was " + warmupSteps);
    }
    if (!(finalRate >= 0) || finalRate > peak) {
      throw new IllegalArgumentException(
          "finalLearningRate must be between 0 and peakLearningRate (" + peak + "), but was "
              + finalRate);
    }
  }

  /**
   * The rate of step {@code step}.
   *
   * @param step the 0-based step, at least 0
   * @return the rate
   */
  public double rate(int step) {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, but was " + step);
    }
    if (step < warmupSteps) {
      return peakLearningRate * (step + 1) / warmupSteps;
    }
    int decaySteps = steps - warmupSteps - 1;
    if (decaySteps <= 0) {
      return step == warmupSteps ? peakLearningRate : finalLearningRate;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
    return finalLearningRate
        + 0.5 * (peakLearningRate - finalLearningRate) * (1 + Math.cos(Math.PI * progress));
  }

  /** {@inheritDoc} DJL's optimizers count updates from 1: update {@code n} is step {@code n - 1}. */
  @Override
  public float getNewValue(int numUpdate) {
    return (float) rate(Math.max(0, numUpdate - 1));
  }
}
