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

  /** Accuracies on held-out claims without context and with a labelled context, and the label sensitivity. */
  record InContext(double zeroShot, double gold, double random, double sensitivity) {}

  /**
   * How the model labels {@code held}'s held-out claims alone, after {@code context} with gold
   * labels, and after it with random labels (the mean of {@code randomDraws} draws: one draw that
   * happens to look like a rule can mislead).
   */
  InContext inContext(ClaimSet context, ClaimSet held, int randomDraws) {
    List<Example> test = WorldProbe.heldOut(held.examples(), context);
    GoldLabels gold = held.gold();
    List<LabelledExample> labelled = WorldProbe.labelled(context.examples(), context.gold());
    double random = 0;
    for (long seed = 1; seed <= randomDraws; seed++) {
      random +=
          Evaluation.randomLabelManyShotAccuracy(scorer, SPACE, context.examples(), test, gold, seed) / randomDraws;
    }
    return new InContext(
        Evaluation.zeroShotAccuracy(scorer, SPACE, test, gold),
        Evaluation.manyShotAccuracy(scorer, SPACE, labelled, test, gold),
        random,
        WorldProbe.labelSensitivity(scorer, labelled, test));
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
