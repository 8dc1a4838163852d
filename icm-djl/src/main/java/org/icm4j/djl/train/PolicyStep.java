package org.icm4j.djl.train;

import java.time.Duration;

/**
 * What one step of {@link PolicyGradient} did. Immutable and thread-safe.
 *
 * @param step the 1-based step
 * @param steps the steps of the run
 * @param meanReward the mean reward of the answers drawn in this step, as the reward model gave it
 * @param meanKl the mean {@code KL(pi || pi_0)} of the step's questions, before the update
 * @param elapsed time since the run started
 */
public record PolicyStep(int step, int steps, double meanReward, double meanKl, Duration elapsed) {}
