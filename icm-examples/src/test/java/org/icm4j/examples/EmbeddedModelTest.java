package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * What the embedded world model (step 30,500 of run (c2) in icm-examples/TRAINING.md) holds beyond
 * what {@link WorldModelFixture} checks of every world model: the labelling rule of its context, inferred from the labels (truth from gold labels, not from random ones); and a
 * truth labeling more mutually predictable than the surface rule's and far more than the
 * control's. The bounds sit below the measured values, so that a retrained or corrupted model that
 * lost a property fails.
 */
class EmbeddedModelTest extends WorldModelFixture {
  @Override
  @Nullable Path blockModel() {
    return null;
  }

  @Test
  void infersTheRuleFromTheLabelsInItsContext_fromGoldLabelsNotRandomOnes() {
    WorldProbe.InContext m = inContext(WORLD.truthTask(16, 21), WORLD.truthTask(60, 22), 6);
    // measured: zero-shot 0.546, gold 0.870, random 0.622 (six draws), label sensitivity 1.55
    assertThat(m.gold()).isGreaterThanOrEqualTo(0.8).isGreaterThan(m.zeroShot() + 0.25);
    assertThat(m.random()).isLessThan(m.gold() - 0.2);
    assertThat(m.sensitivity()).isGreaterThan(1.0);
  }

  @Test
  void truthLabeling_isMoreMutuallyPredictableThanTheSurfaceRule_andFarMoreThanTheControl() {
    double truth = batchMutualPredictability(BATCH.gold());
    double surface = batchMutualPredictability(WORLD.valueSetRule());
    double control = batchMutualPredictability(WORLD.controlRule());
    double random = batchMutualPredictability(WorldProbe.randomLabels(BATCH.examples(), 3));
    assertThat(truth).isGreaterThan(surface + 1).isGreaterThan(control + 3).isGreaterThan(random + 3);
  }
}
