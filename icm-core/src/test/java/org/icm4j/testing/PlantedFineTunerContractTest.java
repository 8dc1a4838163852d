package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.Labeling;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;
import org.junit.jupiter.api.Test;

/** The fine-tuner contract on {@link PlantedFineTuner}, and proof that it fails broken tuners. */
class PlantedFineTunerContractTest extends FineTunerContract {

  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(6, 11));

  @Override
  protected FineTuner fineTuner() {
    return new PlantedFineTuner(WORLD, 2.0);
  }

  @Override
  protected List<Example> examples() {
    return WORLD.examples().subList(0, 16);
  }

  @Override
  protected Labeling labels() {
    Map<String, String> map = new HashMap<>();
    for (Example e : examples()) {
      map.put(e.id(), WORLD.gold().label(e.id()).orElseThrow());
    }
    return new Labeling(WORLD.gold().labelSpace(), map, new HashSet<>());
  }

  @Override
  protected List<Example> unlabelledExtras() {
    return WORLD.examples().subList(16, 24);
  }

  /** A contract run on a broken tuner; its test methods must fail. */
  private static class Broken extends PlantedFineTunerContractTest {
    private final FineTuner tuner;

    Broken(FineTuner tuner) {
      this.tuner = tuner;
      loadFixture();
    }

    @Override
    protected FineTuner fineTuner() {
      return tuner;
    }
  }

  @Test
  void contract_failsATunerThatLearnsNothing() {
    Broken stub = new Broken(request -> FineTunedModel.of(WORLD.scorer(), Map.of()));
    assertThatThrownBy(stub::fineTune_learnsTheLabelsItIsGiven).isInstanceOf(AssertionError.class);
  }

  @Test
  void contract_failsATunerThatKeepsTrainingTheSameModel() {
    // each call trains further than the one before, as a tuner that never goes back to the base
    int[] calls = {0};
    FineTuner sticky = request -> new PlantedFineTuner(WORLD, 2.0 * ++calls[0]).fineTune(request);
    Broken broken = new Broken(sticky);
    assertThatThrownBy(broken::fineTune_startsFromTheBaseModelEveryTime).isInstanceOf(AssertionError.class);
  }
}
