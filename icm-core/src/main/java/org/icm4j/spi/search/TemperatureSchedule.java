package org.icm4j.spi.search;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The annealing temperature at each iteration. Implementations must be pure functions (immutable,
 * thread-safe) so that a seed fixes a run and a resumed run continues identically.
 */
@FunctionalInterface
public interface TemperatureSchedule {

  /**
   * The temperature for an iteration.
   *
   * @param iteration 1-based iteration number
   * @param accepted number of accepted moves that changed the labeling so far
   * @return a temperature {@code > 0}
   */
  double temperature(int iteration, int accepted);

  /**
   * The official code's schedule (default): {@code max(tMin, t0 / (1 + 2 ln(1 + accepted)))}.
   *
   * @param t0 the t0
   * @param tMin the t min
   * @return the official code's schedule (default)
   */
  static TemperatureSchedule officialLog(double t0, double tMin) {
    checkPositive(t0, tMin);
    return new Named(
        "officialLog(t0=" + t0 + ", tMin=" + tMin + ")",
        (it, acc) -> Math.max(tMin, t0 / (1 + 2 * Math.log1p(acc))));
  }

  /**
   * The paper's schedule: {@code max(tMin, t0 / (1 + beta ln n))} at iteration n.
   *
   * @param t0 the t0
   * @param beta the beta
   * @param tMin the t min
   * @return the paper's schedule
   */
  static TemperatureSchedule paperLog(double t0, double beta, double tMin) {
    checkPositive(t0, tMin);
    checkArgument(beta >= 0 && Double.isFinite(beta), "beta must be >= 0, but was %s", beta);
    return new Named(
        "paperLog(t0=" + t0 + ", beta=" + beta + ", tMin=" + tMin + ")",
        (it, acc) -> Math.max(tMin, t0 / (1 + beta * Math.log(it))));
  }

  /**
   * Exponential cooling: {@code max(tMin, t0 * rate^(n-1))} at iteration n, {@code 0 < rate <= 1}.
   *
   * @param t0 the t0
   * @param rate the rate
   * @param tMin the t min
   * @return exponential cooling
   */
  static TemperatureSchedule exponential(double t0, double rate, double tMin) {
    checkPositive(t0, tMin);
    checkArgument(rate > 0 && rate <= 1, "rate must be in (0, 1], but was %s", rate);
    return new Named(
        "exponential(t0=" + t0 + ", rate=" + rate + ", tMin=" + tMin + ")",
        (it, acc) -> Math.max(tMin, t0 * Math.pow(rate, it - 1)));
  }

  private static void checkPositive(double t0, double tMin) {
    checkArgument(t0 > 0 && Double.isFinite(t0), "t0 must be > 0 and finite, but was %s", t0);
    checkArgument(
        tMin > 0 && Double.isFinite(tMin), "tMin must be > 0 and finite, but was %s", tMin);
    checkArgument(tMin <= t0, "tMin (%s) must not exceed t0 (%s)", tMin, t0);
  }

  /** A schedule with a descriptive {@code toString} for provenance. */
  record Named(String description, TemperatureSchedule schedule) implements TemperatureSchedule {
    @Override
    public double temperature(int iteration, int accepted) {
      return schedule.temperature(iteration, accepted);
    }

    @Override
    public String toString() {
      return description;
    }
  }
}
