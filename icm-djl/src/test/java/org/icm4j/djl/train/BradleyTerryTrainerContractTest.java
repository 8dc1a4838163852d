package org.icm4j.djl.train;

import java.util.List;
import org.icm4j.djl.BlockLm;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardTrainer;
import org.icm4j.testing.RewardTrainerContract;
import org.junit.jupiter.api.AfterAll;

/** icm-core's reward-trainer contract on {@link BradleyTerryTrainer}, with a 1-layer GPT. */
class BradleyTerryTrainerContractTest extends RewardTrainerContract {

  private static final BlockLm BASE = TinyWorld.model();
  private static final BradleyTerryTrainer TRAINER =
      BradleyTerryTrainer.builder()
          .base(BASE)
          .tokenizer(TinyWorld.tokenizer())
          .template(TinyWorld.TEMPLATE)
          .options(BradleyTerryTrainerTest.options().withValidation(0, 1))
          .build();

  @AfterAll
  static void close() {
    TRAINER.close();
    BASE.close();
  }

  @Override
  protected RewardTrainer trainer() {
    return TRAINER;
  }

  @Override
  protected List<PreferencePair> pairs() {
    return RewardWorld.pairs(0, 24);
  }

  @Override
  protected double tolerance() {
    return 1e-5;
  }
}
