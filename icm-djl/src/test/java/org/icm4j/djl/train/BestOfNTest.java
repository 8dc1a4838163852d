package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BestOfNTest {

  @Test
  void probabilities_ofBestOfTwo_byHand() {
    // best reward first: choice 1 (p 0.3), choice 2 (p 0.2), choice 0 (p 0.5)
    double[] p = BestOfN.probabilities(new double[] {0.5, 0.3, 0.2}, new double[] {1, 3, 2}, 2);

    assertThat(p).containsExactly(new double[] {0.25, 0.51, 0.24}, within(1e-12));
  }

  @Test
  void probabilities_ofBestOfOne_areThePolicy() {
    double[] policy = {0.1, 0.6, 0.3};

    assertThat(BestOfN.probabilities(policy, new double[] {5, -1, 2}, 1)).containsExactly(policy, within(1e-12));
  }

  @Test
  void probabilities_matchDrawingAndKeepingTheBest() {
    double[] policy = {0.45, 0.25, 0.2, 0.1};
    double[] rewards = {0.3, -2, 1.5, 0.3};
    int n = 3;
    SplittableRandom rng = new SplittableRandom(4);
    int[] kept = new int[policy.length];
    int trials = 200_000;
    for (int t = 0; t < trials; t++) {
      int best = -1;
      for (int i = 0; i < n; i++) {
        int c = ChoicePolicy.draw(policy, rng);
        if (best < 0 || rewards[c] > rewards[best] || (rewards[c] == rewards[best] && c < best)) {
          best = c;
        }
      }
      kept[best]++;
    }
    double[] exact = BestOfN.probabilities(policy, rewards, n);
    for (int c = 0; c < policy.length; c++) {
      assertThat((double) kept[c] / trials).as("choice %s", c).isCloseTo(exact[c], within(0.005));
    }
  }

  @Test
  void probabilities_rejectsMismatchedLengthsAndBadValues() {
    assertThatThrownBy(() -> BestOfN.probabilities(new double[] {1}, new double[] {1, 2}, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 choices but the rewards 2");
    assertThatThrownBy(() -> BestOfN.probabilities(new double[] {0.5, 0.5}, new double[] {1, Double.NaN}, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choice 1 is NaN");
    assertThatThrownBy(() -> BestOfN.probabilities(new double[] {0.5, 0.5}, new double[] {1, 2}, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n >= 1, but was 0");
  }
}
