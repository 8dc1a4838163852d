package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardModel;
import org.icm4j.spi.reward.RewardTrainer;
import org.junit.jupiter.api.Test;

/** The reward-trainer contract on {@link BagOfWordsRewardTrainer}, and proof that it fails broken trainers. */
class BagOfWordsRewardTrainerContractTest extends RewardTrainerContract {

  /** Questions "eN colour": the chosen colour of each beats the rejected one. */
  static List<PreferencePair> colourPairs() {
    String[][] rows = {{"red", "blue"}, {"green", "white"}, {"black", "yellow"}, {"red", "white"}, {"green", "yellow"}};
    List<PreferencePair> pairs = new ArrayList<>();
    for (int q = 0; q < rows.length; q++) {
      String group = "e" + q + "-colour";
      Example chosen = Example.of(group + "-" + rows[q][0], "e" + q + " colour " + rows[q][0] + " :", group);
      Example rejected = Example.of(group + "-" + rows[q][1], "e" + q + " colour " + rows[q][1] + " :", group);
      pairs.add(PreferencePair.of(chosen, rejected, "test"));
    }
    return pairs;
  }

  @Override
  protected RewardTrainer trainer() {
    return new BagOfWordsRewardTrainer(0.5);
  }

  @Override
  protected List<PreferencePair> pairs() {
    return colourPairs();
  }

  /** A contract run on a broken trainer; its test methods must fail. */
  private static class Broken extends BagOfWordsRewardTrainerContractTest {
    private final RewardTrainer trainer;

    Broken(RewardTrainer trainer) {
      this.trainer = trainer;
      loadFixture();
    }

    @Override
    protected RewardTrainer trainer() {
      return trainer;
    }
  }

  @Test
  void contract_failsATrainerThatLearnsNothing() {
    Broken stub = new Broken(request -> RewardModel.of("constant", e -> 1.0));
    assertThatThrownBy(stub::train_learnsThePairsItIsGiven).isInstanceOf(AssertionError.class);
  }

  @Test
  void contract_failsATrainerThatKeepsTrainingTheSameModel() {
    int[] calls = {0};
    RewardTrainer sticky = request -> new BagOfWordsRewardTrainer(0.5 * ++calls[0]).train(request);
    Broken broken = new Broken(sticky);
    assertThatThrownBy(broken::train_startsFromTheSameBaseEveryTime).isInstanceOf(AssertionError.class);
  }

  @Test
  void trainer_closesWhatItMade() {
    BagOfWordsRewardTrainer t = new BagOfWordsRewardTrainer(1);
    try (RewardModel m = t.train(new org.icm4j.spi.reward.RewardTrainingRequest(colourPairs(), 1))) {
      assertThat(t.open()).isEqualTo(1);
    }
    assertThat(t.open()).isZero();
  }
}
