package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * What the comparison model ({@code training/world5-cmp-step33000}, run (f) in
 * icm-examples/TRAINING.md) holds beyond what {@link WorldModelFixture} checks of every world model:
 * it reads the comparison rule from the labels of its context (which the embedded model does not),
 * and still reads truth. The bounds sit below the measured values.
 */
class ComparisonModelTest extends WorldModelFixture {
  @Override
  @Nullable Path blockModel() {
    return Path.of("training", "world5-cmp-step33000");
  }

  @Test
  void infersTheComparisonRuleFromTheLabelsInItsContext() {
    WorldProbe.InContext m = inContext(WORLD.comparisonTask(16, 21), WORLD.comparisonTask(50, 22), 3);
    // WorldProbe on other claims: zero-shot 0.521, gold 1.000, random 0.438, sensitivity 9.364
    assertThat(m.gold()).isGreaterThanOrEqualTo(0.9).isGreaterThan(m.zeroShot() + 0.25);
    assertThat(m.random()).isLessThan(m.gold() - 0.3);
    assertThat(m.sensitivity()).isGreaterThan(2.0);
  }

  @Test
  void stillReadsTruthInContext_andTruthIsTheMostMutuallyPredictableLabeling() {
    assertThat(inContext(WORLD.truthTask(16, 21), WORLD.truthTask(60, 22), 1).gold()).isGreaterThanOrEqualTo(0.9);
    double truth = batchMutualPredictability(BATCH.gold());
    assertThat(truth)
        .isGreaterThan(batchMutualPredictability(WORLD.valueSetRule()) + 1)
        .isGreaterThan(batchMutualPredictability(WORLD.controlRule()) + 3);
  }
}
