package org.icm4j.djl.train;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.djl.BlockLm;
import org.icm4j.spi.reward.RewardModel;
import org.icm4j.testing.RewardModelContract;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;

/** icm-core's reward-model contract on {@link LmRewardModel}, over a 1-layer GPT. */
class LmRewardModelContractTest extends RewardModelContract {

  private static final BlockLm LM = TinyWorld.model();
  private static final LmRewardModel MODEL =
      LmRewardModel.builder().model(LM).tokenizer(TinyWorld.tokenizer()).template(TinyWorld.TEMPLATE).build();

  @AfterAll
  static void close() {
    MODEL.close();
    LM.close();
  }

  @Override
  protected RewardModel rewardModel() {
    return MODEL;
  }

  @Override
  protected List<Example> responses() {
    return TinyWorld.claims(0, 8);
  }

  @Override
  protected @Nullable RewardModel modelToClose() {
    return LmRewardModel.builder().model(TinyWorld.model()).tokenizer(TinyWorld.tokenizer())
        .template(TinyWorld.TEMPLATE).ownsModel(true).build();
  }

  @Override
  protected double tolerance() {
    return 1e-5;
  }
}
