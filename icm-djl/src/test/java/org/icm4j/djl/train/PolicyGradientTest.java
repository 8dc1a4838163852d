package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.icm4j.InvalidScoreException;
import org.icm4j.djl.BlockLm;
import org.icm4j.spi.reward.RewardModel;
import org.junit.jupiter.api.Test;

class PolicyGradientTest {
  private static final List<ChoiceQuestion> QUESTIONS = RewardWorld.questions(0, 16);
  /** Rewards the right answer (True for even numbers). */
  private static final RewardModel RIGHT = RewardModel.of("right", e -> RewardWorld.right(e) ? 1 : -1);

  private static PolicyGradientOptions options() {
    return PolicyGradientOptions.defaults().withSteps(30).withQuestionsPerStep(8).withLearningRate(1e-2).withKlWeight(0);
  }

  private static double accuracy(ChoicePolicy policy) {
    double sum = 0;
    List<double[]> p = policy.probabilities(QUESTIONS);
    for (int q = 0; q < QUESTIONS.size(); q++) {
      for (int c = 0; c < 2; c++) {
        if (RewardWorld.right(QUESTIONS.get(q).choices().get(c).claim())) {
          sum += p.get(q)[c];
        }
      }
    }
    return sum / QUESTIONS.size();
  }

  @Test
  void train_raisesTheRewardedAnswersProbability_andReportsEveryStep() {
    List<PolicyStep> steps = new ArrayList<>();
    try (BlockLm base = TinyWorld.model();
        PolicyGradient rl = PolicyGradient.builder().base(base).tokenizer(TinyWorld.tokenizer()).options(options())
            .listener((s, p) -> steps.add(s)).build();
        ChoicePolicy untrained = rl.basePolicy();
        ChoicePolicy trained = rl.train(QUESTIONS, RIGHT, 1)) {
      assertThat(accuracy(untrained)).isBetween(0.3, 0.7);
      assertThat(accuracy(trained)).isGreaterThan(0.9);
      assertThat(steps).hasSize(30);
      assertThat(steps.get(29).meanReward()).isGreaterThan(steps.get(0).meanReward());
      assertThat(steps.get(29).meanKl()).isGreaterThan(0);
    }
  }

  @Test
  void train_isDeterministic_andStartsFromTheBaseEveryTime() {
    try (BlockLm base = TinyWorld.model();
        PolicyGradient rl = PolicyGradient.builder().base(base).tokenizer(TinyWorld.tokenizer()).options(options().withSteps(8)).build()) {
      List<double[]> first;
      try (ChoicePolicy a = rl.train(QUESTIONS, RIGHT, 4)) {
        first = a.probabilities(QUESTIONS);
      }
      try (ChoicePolicy other = rl.train(QUESTIONS, RewardModel.of("wrong", e -> RewardWorld.right(e) ? -1 : 1), 4)) {
        assertThat(other.probabilities(QUESTIONS).get(0)[0]).isNotCloseTo(first.get(0)[0], within(1e-3));
      }
      try (ChoicePolicy again = rl.train(QUESTIONS, RIGHT, 4)) {
        for (int q = 0; q < QUESTIONS.size(); q++) {
          assertThat(again.probabilities(QUESTIONS).get(q)).containsExactly(first.get(q), within(1e-6));
        }
      }
    }
  }

  @Test
  void train_withAStrongKlPenalty_staysNearTheStartingPolicy() {
    try (BlockLm base = TinyWorld.model();
        PolicyGradient free = PolicyGradient.builder().base(base).tokenizer(TinyWorld.tokenizer()).options(options()).build();
        PolicyGradient held = PolicyGradient.builder().base(base).tokenizer(TinyWorld.tokenizer()).options(options().withKlWeight(20)).build();
        ChoicePolicy untrained = free.basePolicy();
        ChoicePolicy a = free.train(QUESTIONS, RIGHT, 2);
        ChoicePolicy b = held.train(QUESTIONS, RIGHT, 2)) {
      double start = accuracy(untrained);
      assertThat(accuracy(b) - start).isLessThan((accuracy(a) - start) / 2);
    }
  }

  @Test
  void train_rejectsANonFiniteRewardNamingTheClaim() {
    RewardModel broken = RewardModel.of("nan", e -> e.id().equals("q3-false") ? Double.NaN : 0);
    try (BlockLm base = TinyWorld.model();
        PolicyGradient rl = PolicyGradient.builder().base(base).tokenizer(TinyWorld.tokenizer()).options(options()).build()) {
      assertThatThrownBy(() -> rl.train(QUESTIONS, broken, 1))
          .isInstanceOf(InvalidScoreException.class)
          .hasMessageContaining("'q3-false'");
    }
  }

  @Test
  void options_rejectOneSamplePerQuestion() {
    assertThatThrownBy(() -> PolicyGradientOptions.defaults().withSamplesPerQuestion(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("samplesPerQuestion must be >= 2, but was 1");
  }
}
