package org.icm4j.djl.train;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.Labeling;
import org.icm4j.djl.BlockLm;
import org.icm4j.spi.finetune.FineTuner;
import org.icm4j.testing.FineTunerContract;
import org.junit.jupiter.api.AfterAll;

/** icm-core's fine-tuner contract on {@link BlockLmFineTuner}, with a 1-layer GPT. */
class BlockLmFineTunerContractTest extends FineTunerContract {

  private static final BlockLm BASE = TinyWorld.model();
  private static final BlockLmFineTuner TUNER =
      BlockLmFineTuner.builder()
          .base(BASE)
          .tokenizer(TinyWorld.tokenizer())
          .template(TinyWorld.TEMPLATE)
          .options(TinyWorld.options().withValidation(0, 1))
          .build();

  @AfterAll
  static void close() {
    TUNER.close();
    BASE.close();
  }

  @Override
  protected FineTuner fineTuner() {
    return TUNER;
  }

  @Override
  protected List<Example> examples() {
    return TinyWorld.claims(0, 24);
  }

  @Override
  protected Labeling labels() {
    return TinyWorld.even(examples());
  }

  @Override
  protected List<Example> unlabelledExtras() {
    return TinyWorld.claims(24, 30);
  }

  @Override
  protected double tolerance() {
    return 1e-5;
  }
}
