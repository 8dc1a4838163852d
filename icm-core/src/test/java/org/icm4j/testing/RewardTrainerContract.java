package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.eval.RewardEvaluation;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardModel;
import org.icm4j.spi.reward.RewardTrainer;
import org.icm4j.spi.reward.RewardTrainingRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link RewardTrainer} must meet, as one abstract JUnit 5 test (like {@link
 * FineTunerContract} for fine-tuners): the trained model gives one finite reward per response; the
 * same request gives the same model; it learns its pairs (on at least {@link #learnedShare()} of
 * them, the model trained on the pairs prefers the chosen response more than a model trained on
 * the reversed pairs does, and it is right on at least that share of them); every call starts from
 * the same base; closing a trained model twice is harmless.
 *
 * <p>An adapter module runs it by depending on {@code icm-core}'s test-jar (see {@link
 * ScorerContract}) and extending this class:
 *
 * <pre>{@code
 * class MyRewardTrainerContractTest extends RewardTrainerContract {
 *   @Override protected RewardTrainer trainer() { return MY_TRAINER; }   // may be shared
 *   @Override protected List<PreferencePair> pairs() { return ...; }    // at least 4, learnable
 *   @Override protected double tolerance() { return 1e-4; }             // float32 models
 * }
 * }</pre>
 *
 * <p>Each test trains two or three times: give it a small model and few training steps. Not
 * thread-safe: JUnit creates one instance per test method.
 */
public abstract class RewardTrainerContract {

  private RewardTrainer trainer;
  private List<PreferencePair> pairs;
  private List<Example> responses;

  /** The trainer under test; may be the same instance on every call. */
  protected abstract RewardTrainer trainer();

  /** At least 4 pairs the trainer can learn, and learn reversed as well. */
  protected abstract List<PreferencePair> pairs();

  /** Largest difference tolerated between rewards that should be equal; default {@code 1e-9}. */
  protected double tolerance() {
    return 1e-9;
  }

  /**
   * Share of pairs that must be learnt (see the class description); default 0.8.
   *
   * @return a share in {@code (0, 1]}
   */
  protected double learnedShare() {
    return 0.8;
  }

  /** The seed of the requests; default 1. */
  protected long seed() {
    return 1;
  }

  @BeforeEach
  protected final void loadFixture() {
    trainer = trainer();
    pairs = List.copyOf(pairs());
    assertThat(pairs).as("pairs() must give at least 4 pairs").hasSizeGreaterThanOrEqualTo(4);
    responses = new RewardTrainingRequest(pairs, seed()).responses();
  }

  @Test
  public void train_givesAModelWithOneFiniteRewardPerResponse() {
    try (RewardModel model = trainer.train(new RewardTrainingRequest(pairs, seed()))) {
      double[] r = model.rewards(responses);
      assertThat(r).hasSize(responses.size());
      for (int i = 0; i < r.length; i++) {
        assertThat(Double.isFinite(r[i])).as("reward of '%s' is %s", responses.get(i).id(), r[i]).isTrue();
      }
      assertThat(model.details()).as("details()").isNotNull();
    }
  }

  @Test
  public void train_givesTheSameModelForTheSameRequest() {
    RewardTrainingRequest request = new RewardTrainingRequest(pairs, seed());
    double[] first = rewards(request);
    double[] second = rewards(request);
    assertThat(second).as("the second model of the same request vs the first").containsExactly(first, within(tolerance()));
  }

  @Test
  public void train_learnsThePairsItIsGiven() {
    List<PreferencePair> reversed = reversed(pairs);
    Map<String, Double> onPairs;
    Map<String, Double> onReversed;
    double accuracy;
    try (RewardModel model = trainer.train(new RewardTrainingRequest(pairs, seed()))) {
      onPairs = RewardEvaluation.rewards(model, pairs);
      accuracy = RewardEvaluation.pairwiseAccuracy(model, pairs);
    }
    try (RewardModel model = trainer.train(new RewardTrainingRequest(reversed, seed()))) {
      onReversed = RewardEvaluation.rewards(model, pairs);
    }
    int learnt = 0;
    for (PreferencePair p : pairs) {
      double margin = onPairs.get(p.chosen().id()) - onPairs.get(p.rejected().id());
      double reversedMargin = onReversed.get(p.chosen().id()) - onReversed.get(p.rejected().id());
      if (margin > reversedMargin) {
        learnt++;
      }
    }
    assertThat((double) learnt / pairs.size())
        .as("share of pairs whose chosen response the model trained on them prefers more than the"
            + " model trained on the reversed pairs (%s of %s)", learnt, pairs.size())
        .isGreaterThanOrEqualTo(learnedShare());
    assertThat(accuracy)
        .as("pairwise accuracy of the trained model on its own pairs")
        .isGreaterThanOrEqualTo(learnedShare());
  }

  @Test
  public void train_startsFromTheSameBaseEveryTime() {
    RewardTrainingRequest request = new RewardTrainingRequest(pairs, seed());
    double[] first = rewards(request);
    rewards(new RewardTrainingRequest(reversed(pairs), seed()));
    double[] again = rewards(request);
    assertThat(again).as("the same request after another training vs the first").containsExactly(first, within(tolerance()));
  }

  @Test
  public void close_twiceDoesNothing() {
    RewardModel model = trainer.train(new RewardTrainingRequest(pairs, seed()));
    model.close();
    model.close();
  }

  private double[] rewards(RewardTrainingRequest request) {
    try (RewardModel model = trainer.train(request)) {
      return model.rewards(responses);
    }
  }

  private static List<PreferencePair> reversed(List<PreferencePair> pairs) {
    List<PreferencePair> out = new ArrayList<>();
    for (PreferencePair p : pairs) {
      out.add(p.reversed());
    }
    return out;
  }
}
