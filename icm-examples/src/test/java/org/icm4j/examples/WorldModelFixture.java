package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.djl.DjlScorer;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Loads one world model for all tests of a class (the embedded one, or a committed directory) and
 * checks what every committed world model holds: every fact, the truth of a claim after an
 * {@code @truth} header, and a context-free lean to the surface rule.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WorldModelFixture {
  static final SyntheticWorld WORLD = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
  static final LabelSpace SPACE = LabelSpace.binary();
  DemoCommand.Model model;
  DjlScorer scorer;

  /** The model directory, or null for the embedded model. */
  abstract @Nullable Path blockModel();

  @BeforeAll
  void load() throws IOException {
    model = DemoCommand.Model.open(null, blockModel(), WORLD);
    scorer = model.scorer();
  }

  @AfterAll
  void close() {
    scorer.close();
    model.close();
  }

  double mutualPredictability(List<LabelledExample> labelled) {
    return WorldProbe.mutualPredictability(scorer, labelled);
  }

  /** {@link WorldProbe#inContext} with this class's model. */
  WorldProbe.InContext inContext(ClaimSet context, ClaimSet held, int randomDraws) {
    return WorldProbe.inContext(scorer, context, held, randomDraws);
  }

  /** The 32-claim truth batch whose labelings the mutual-predictability tests compare. */
  static final ClaimSet BATCH = WORLD.truthTask(16, 12);

  /** Mutual predictability of {@link #BATCH} with these labels. */
  double batchMutualPredictability(GoldLabels labels) {
    return mutualPredictability(WorldProbe.labelled(BATCH.examples(), labels));
  }

  /** Mutual predictability of {@link #BATCH} labelled by this rule. */
  double batchMutualPredictability(SyntheticWorld.RelationRule rule) {
    return batchMutualPredictability(WorldProbe.relabel(BATCH.examples(), rule));
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
}
