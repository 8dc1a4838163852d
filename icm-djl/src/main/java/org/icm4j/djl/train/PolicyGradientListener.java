package org.icm4j.djl.train;

/** Receives the progress of {@link PolicyGradient#train}, on the training thread. */
@FunctionalInterface
public interface PolicyGradientListener {
  /**
   * Called after each step.
   *
   * @param step what the step did
   * @param policy the policy being trained, after the step's update: valid during this call only
   *     (to measure it, e.g. its accuracy on held-out questions)
   */
  void onStep(PolicyStep step, ChoicePolicy policy);
}
