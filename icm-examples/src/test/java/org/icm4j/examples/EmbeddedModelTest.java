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
 * What the committed world model holds (measured in icm-examples/TRAINING.md): every fact; the truth
 * of a claim, which it applies after an {@code @truth} header; a context-free lean to the surface
 * rule; and a truth labeling far more mutually predictable than the control concept's. The bounds
 * sit below the measured values, so that a retrained or corrupted model that lost a property fails.
 */
class EmbeddedModelTest extends WorldModelFixture {
  @Override
  @Nullable Path blockModel() {
    return null;
  }

  @Test
  void knowsEveryFact() {
    for (String relation : SyntheticWorld.RELATIONS) {
      assertThat(WorldProbe.factRecall(WORLD, model, relation)).as(relation).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void afterTheTruthHeader_labelsByTruth_andWithoutContext_followsTheSurfaceRule() {
    ClaimSet claims = WORLD.truthTask(32, 11);
    List<Example> test = claims.examples();
    List<Example> headed = WorldProbe.withHeader(test, SyntheticWorld.TRUTH_HEADER);
    assertThat(Evaluation.zeroShotAccuracy(scorer, SPACE, headed, claims.gold())).isGreaterThanOrEqualTo(0.95);
    GoldLabels surface = WorldProbe.relabel(test, WORLD.valueSetRule());
    assertThat(Evaluation.zeroShotAccuracy(scorer, SPACE, test, surface)).isGreaterThanOrEqualTo(0.85);
  }

  @Test
  void truthLabeling_isFarMoreMutuallyPredictableThanTheControlConcept() {
    ClaimSet batch = WORLD.truthTask(16, 12);
    double truth = mutualPredictability(WorldProbe.labelled(batch.examples(), batch.gold()));
    double control =
        mutualPredictability(
            WorldProbe.labelled(batch.examples(), WorldProbe.relabel(batch.examples(), WORLD.controlRule())));
    double random =
        mutualPredictability(WorldProbe.labelled(batch.examples(), WorldProbe.randomLabels(batch.examples(), 3)));
    assertThat(truth).isGreaterThan(control + 1).isGreaterThan(random + 1);
  }
}
