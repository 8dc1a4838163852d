package org.icm4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardTrainingRequest;
import org.junit.jupiter.api.Test;

class RewardTrainingRequestTest {
  private static final Example A = Example.of("q1/a", "e1 colour red :", "q1");
  private static final Example B = Example.of("q1/b", "e1 colour blue :", "q1");
  private static final Example C = Example.of("q1/c", "e1 colour green :", "q1");

  @Test
  void build_rejectsNoPairs() {
    assertThatThrownBy(() -> new RewardTrainingRequest(List.of(), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one preference pair");
  }

  @Test
  void build_rejectsOneIdForTwoDifferentResponses() {
    Example otherA = Example.of("q1/a", "e1 colour white :", "q1");

    assertThatThrownBy(
            () -> new RewardTrainingRequest(List.of(PreferencePair.of(A, B, "x"), PreferencePair.of(otherA, C, "x")), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q1/a'")
        .hasMessageContaining("e1 colour white :");
  }

  @Test
  void responses_listsEachResponseOnceInOrderOfFirstUse() {
    RewardTrainingRequest r =
        new RewardTrainingRequest(List.of(PreferencePair.of(B, A, "x"), PreferencePair.of(C, A, "x")), 7);

    assertThat(r.responses()).containsExactly(B, A, C);
    assertThat(r.toString()).isEqualTo("RewardTrainingRequest{pairs=2, seed=7}");
  }
}
