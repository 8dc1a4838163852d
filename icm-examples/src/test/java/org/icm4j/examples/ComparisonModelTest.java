package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
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
    ClaimSet context = WORLD.comparisonTask(16, 21);
    ClaimSet all = WORLD.comparisonTask(50, 22);
    List<Example> test = WorldProbe.heldOut(all.examples(), context);
    GoldLabels gold = all.gold();
    double zeroShot = Evaluation.zeroShotAccuracy(scorer, SPACE, test, gold);
    double goldShot =
        Evaluation.manyShotAccuracy(
            scorer, SPACE, WorldProbe.labelled(context.examples(), context.gold()), test, gold);
    double randomShot = 0;
    for (long seed = 1; seed <= 3; seed++) {
      randomShot +=
          Evaluation.randomLabelManyShotAccuracy(scorer, SPACE, context.examples(), test, gold, seed) / 3;
    }
    // WorldProbe on other claims: zero-shot 0.521, gold 1.000, random 0.438, sensitivity 9.364
    assertThat(goldShot).isGreaterThanOrEqualTo(0.9).isGreaterThan(zeroShot + 0.25);
    assertThat(randomShot).isLessThan(goldShot - 0.3);
    assertThat(
            WorldProbe.labelSensitivity(
                scorer, WorldProbe.labelled(context.examples(), context.gold()), test))
        .isGreaterThan(2.0);
  }

  @Test
  void stillReadsTruthInContext_andTruthIsTheMostMutuallyPredictableLabeling() {
    ClaimSet context = WORLD.truthTask(16, 21);
    List<Example> test = WorldProbe.heldOut(WORLD.truthTask(60, 22).examples(), context);
    GoldLabels gold = WORLD.truthTask(60, 22).gold();
    assertThat(
            Evaluation.manyShotAccuracy(
                scorer, SPACE, WorldProbe.labelled(context.examples(), context.gold()), test, gold))
        .isGreaterThanOrEqualTo(0.9);
    double truth = batchMutualPredictability(BATCH.gold());
    assertThat(truth)
        .isGreaterThan(batchMutualPredictability(WORLD.valueSetRule()) + 1)
        .isGreaterThan(batchMutualPredictability(WORLD.controlRule()) + 3);
  }
}
