package org.icm4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.InvalidScoreException;
import org.icm4j.LabelSpace;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardModel;
import org.junit.jupiter.api.Test;

class RewardEvaluationTest {
  private static final Example Q1_A = Example.of("q1/a", "e1 colour red :", "q1");
  private static final Example Q1_B = Example.of("q1/b", "e1 colour blue :", "q1");
  private static final Example Q2_A = Example.of("q2/a", "e2 colour green :", "q2");
  private static final Example Q2_B = Example.of("q2/b", "e2 colour white :", "q2");
  private static final Example Q3_A = Example.of("q3/a", "e3 colour black :", "q3");
  private static final Example Q3_B = Example.of("q3/b", "e3 colour yellow :", "q3");

  /** Rewards by colour: red 3, blue 1, green 0, white 2, black 5, yellow 5. */
  private static final RewardModel BY_COLOUR =
      RewardModel.of("by colour", e -> Map.of("red", 3.0, "blue", 1.0, "green", 0.0, "white", 2.0, "black", 5.0, "yellow", 5.0)
          .get(e.prompt().split(" ")[2]));

  @Test
  void pairwiseAccuracy_countsWinsAndHalfOfTheTies() {
    List<PreferencePair> pairs =
        List.of(PreferencePair.of(Q1_A, Q1_B, "gold"), PreferencePair.of(Q2_A, Q2_B, "gold"), PreferencePair.of(Q3_A, Q3_B, "gold"));

    // q1: 3 > 1 (win), q2: 0 < 2 (loss), q3: 5 = 5 (tie)
    assertThat(RewardEvaluation.pairwiseAccuracy(BY_COLOUR, pairs)).isEqualTo(1.5 / 3);
  }

  @Test
  void pairwiseAccuracy_asksTheModelOnceForTheDistinctResponses() {
    int[] calls = {0};
    int[] responses = {0};
    RewardModel counting =
        new RewardModel() {
          @Override
          public double[] rewards(List<Example> list) {
            calls[0]++;
            responses[0] += list.size();
            return BY_COLOUR.rewards(list);
          }
        };
    Example q1c = Example.of("q1/c", "e1 colour green :", "q1");
    List<PreferencePair> pairs = List.of(PreferencePair.of(Q1_A, Q1_B, "g"), PreferencePair.of(Q1_A, q1c, "g"));

    assertThat(RewardEvaluation.pairwiseAccuracy(counting, pairs)).isEqualTo(1.0);
    assertThat(calls[0]).isEqualTo(1);
    assertThat(responses[0]).isEqualTo(3);
  }

  @Test
  void pairwiseAccuracy_rejectsANonFiniteRewardNamingTheResponse() {
    RewardModel nan = RewardModel.of("nan for blue", e -> e.prompt().contains("blue") ? Double.NaN : 0);

    assertThatThrownBy(() -> RewardEvaluation.pairwiseAccuracy(nan, List.of(PreferencePair.of(Q1_A, Q1_B, "g"))))
        .isInstanceOf(InvalidScoreException.class)
        .hasMessageContaining("'q1/b'")
        .hasMessageContaining("NaN");
  }

  @Test
  void pairwiseAccuracy_rejectsTheWrongNumberOfRewards() {
    RewardModel short1 =
        new RewardModel() {
          @Override
          public double[] rewards(List<Example> list) {
            return new double[] {1};
          }
        };

    assertThatThrownBy(() -> RewardEvaluation.pairwiseAccuracy(short1, List.of(PreferencePair.of(Q1_A, Q1_B, "g"))))
        .isInstanceOf(InvalidScoreException.class)
        .hasMessageContaining("1 rewards for 2 responses");
  }

  @Test
  void pairwiseAccuracy_rejectsNoPairs() {
    assertThatThrownBy(() -> RewardEvaluation.pairwiseAccuracy(BY_COLOUR, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one");
  }

  @Test
  void goldPairs_preferTheGoldTrueResponseOfEachGroup() {
    GoldLabels gold =
        GoldLabels.of(LabelSpace.binary(), Map.of("q1/a", "False", "q1/b", "True", "q2/a", "True", "q2/b", "False"));

    List<PreferencePair> pairs = RewardEvaluation.goldPairs(List.of(Q1_A, Q1_B, Q2_A, Q2_B, Q3_A), gold, "True", "gold");

    assertThat(pairs).extracting(p -> p.chosen().id() + ">" + p.rejected().id()).containsExactly("q1/b>q1/a", "q2/a>q2/b");
    assertThat(pairs).allSatisfy(p -> assertThat(p.source()).isEqualTo("gold"));
  }
}
