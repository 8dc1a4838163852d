package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.Example;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardModel;
import org.icm4j.spi.reward.RewardTrainingRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The reward-model contract on a model of {@link BagOfWordsRewardTrainer}, and proof that it fails broken models. */
class BagOfWordsRewardModelContractTest extends RewardModelContract {

  private static RewardModel trained() {
    return new BagOfWordsRewardTrainer(0.5)
        .train(new RewardTrainingRequest(BagOfWordsRewardTrainerContractTest.colourPairs(), 1));
  }

  @Override
  protected RewardModel rewardModel() {
    return trained();
  }

  @Override
  protected List<Example> responses() {
    List<Example> out = new ArrayList<>();
    for (PreferencePair p : BagOfWordsRewardTrainerContractTest.colourPairs()) {
      out.add(p.chosen());
      out.add(p.rejected());
    }
    out.add(Example.of("unseen", "e9 colour purple :", "e9-colour"));
    return out;
  }

  @Override
  protected @Nullable RewardModel modelToClose() {
    return trained();
  }

  /** A contract run on a broken model; its test methods must fail. */
  private static class Broken extends BagOfWordsRewardModelContractTest {
    private final RewardModel model;

    Broken(RewardModel model) {
      this.model = model;
      loadFixture();
    }

    @Override
    protected RewardModel rewardModel() {
      return model;
    }
  }

  @Test
  void contract_failsAModelWhoseRewardsDriftFromCallToCall() {
    AtomicInteger calls = new AtomicInteger();
    Broken broken = new Broken(RewardModel.of("drifting", e -> calls.incrementAndGet()));
    assertThatThrownBy(broken::rewards_areTheSameOnEveryCall).isInstanceOf(AssertionError.class);
  }

  @Test
  void contract_failsAModelWhoseRewardDependsOnTheBatch() {
    RewardModel batchy =
        new RewardModel() {
          @Override
          public double[] rewards(List<Example> responses) {
            double[] r = new double[responses.size()];
            for (int i = 0; i < r.length; i++) {
              r[i] = i; // the position, not the response
            }
            return r;
          }
        };
    Broken broken = new Broken(batchy);
    assertThatThrownBy(broken::rewards_ofAResponseDoNotDependOnTheOtherResponsesOrTheirOrder)
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void contract_failsAModelWithNonFiniteRewards() {
    Broken broken = new Broken(RewardModel.of("nan", e -> Double.NaN));
    assertThatThrownBy(broken::rewards_returnsOneFiniteRewardPerResponse).isInstanceOf(AssertionError.class);
  }
}
