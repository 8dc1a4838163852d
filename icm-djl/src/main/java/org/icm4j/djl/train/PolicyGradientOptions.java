package org.icm4j.djl.train;

/**
 * Settings of {@link PolicyGradient}. Immutable and thread-safe; the compact constructor rejects
 * bad values with a message that names the option and the value given. Start from {@link
 * #defaults()} and change what you need with the {@code with...} methods.
 *
 * @param steps optimizer steps, at least 1
 * @param questionsPerStep questions per step, at least 1 (the training questions are visited in a
 *     seeded order, epoch after epoch)
 * @param samplesPerQuestion answers drawn from the policy per question and step, at least 2 (each
 *     sample's baseline is the mean reward of the others: REINFORCE leave-one-out)
 * @param learningRate Adam's learning rate, finite and > 0 (constant)
 * @param klWeight weight of the KL divergence from the starting policy, {@code KL(pi || pi_0)} over
 *     each question's choices, added to the loss; at least 0 (0: none)
 */
public record PolicyGradientOptions(
    int steps, int questionsPerStep, int samplesPerQuestion, double learningRate, double klWeight) {

  /**
   * Validates the settings; see the record description for the rules.
   *
   * @param steps optimizer steps, at least 1
   * @param questionsPerStep questions per step, at least 1 (the training questions are visited in a
   *     seeded order, epoch after epoch)
   * @param samplesPerQuestion answers drawn from the policy per question and step, at least 2 (each
   *     sample's baseline is the mean reward of the others: REINFORCE leave-one-out)
   * @param learningRate Adam's learning rate, finite and > 0 (constant)
   * @param klWeight weight of the KL divergence from the starting policy, {@code KL(pi || pi_0)}
   *     over each question's choices, added to the loss; at least 0 (0: none)
   */
  public PolicyGradientOptions {
    TrainingOptions.checkAtLeast("steps", steps, 1);
    TrainingOptions.checkAtLeast("questionsPerStep", questionsPerStep, 1);
    TrainingOptions.checkAtLeast("samplesPerQuestion", samplesPerQuestion, 2);
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be finite and > 0, but was " + learningRate);
    }
    if (!(klWeight >= 0) || !Double.isFinite(klWeight)) {
      throw new IllegalArgumentException("klWeight must be finite and >= 0, but was " + klWeight);
    }
  }

  /**
   * The defaults: 60 steps of 16 questions with 4 samples each, Adam at 3e-4, KL weight 0.05
   * (measured on the synthetic world of icm-examples; docs/results.md).
   *
   * @return the defaults
   */
  public static PolicyGradientOptions defaults() {
    return new PolicyGradientOptions(60, 16, 4, 3e-4, 0.05);
  }

  /**
   * These settings with another {@link #steps}.
   *
   * @param n optimizer steps, at least 1
   * @return these settings with another {@link #steps}
   */
  public PolicyGradientOptions withSteps(int n) {
    return new PolicyGradientOptions(n, questionsPerStep, samplesPerQuestion, learningRate, klWeight);
  }

  /**
   * These settings with another {@link #questionsPerStep}.
   *
   * @param n questions per step, at least 1
   * @return these settings with another {@link #questionsPerStep}
   */
  public PolicyGradientOptions withQuestionsPerStep(int n) {
    return new PolicyGradientOptions(steps, n, samplesPerQuestion, learningRate, klWeight);
  }

  /**
   * These settings with another {@link #samplesPerQuestion}.
   *
   * @param n answers drawn per question and step, at least 2
   * @return these settings with another {@link #samplesPerQuestion}
   */
  public PolicyGradientOptions withSamplesPerQuestion(int n) {
    return new PolicyGradientOptions(steps, questionsPerStep, n, learningRate, klWeight);
  }

  /**
   * These settings with another {@link #learningRate}.
   *
   * @param rate Adam's learning rate, finite and > 0
   * @return these settings with another {@link #learningRate}
   */
  public PolicyGradientOptions withLearningRate(double rate) {
    return new PolicyGradientOptions(steps, questionsPerStep, samplesPerQuestion, rate, klWeight);
  }

  /**
   * These settings with another {@link #klWeight}.
   *
   * @param weight the weight of the KL penalty, finite and >= 0
   * @return these settings with another {@link #klWeight}
   */
  public PolicyGradientOptions withKlWeight(double weight) {
    return new PolicyGradientOptions(steps, questionsPerStep, samplesPerQuestion, learningRate, weight);
  }
}
