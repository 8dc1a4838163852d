package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.icm4j.eval.Evaluation;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The acceptance test of the engine: on n = 256 claims (64 questions x 4 candidate answers) of a
 * planted world with a salient concept and three distractor features, ICM with the exactly-one and
 * answer-key rules recovers the planted labels. The full table (10 worlds, the default search and
 * the paper's annealing with 1 and 4 chains) is printed by {@link
 * org.icm4j.testing.PlantedReport} and recorded in docs/benchmarks.md.
 */
class PlantedConceptTest {

  @ParameterizedTest
  @ValueSource(longs = {1000, 1001, 1002, 1003})
  void defaults_labelEveryClaimAsPlanted_andConfirmTheResult(long worldSeed) {
    PlantedWorld world = PlantedWorld.generate(PlantedWorld.Spec.standard(64, worldSeed));
    IcmResult result =
        Icm.builder()
            .scorer(world.scorer())
            .rule(Rules.exactlyOne())
            .rule(Rules.answerKey("answer"))
            .seed(worldSeed - 1000)
            .build()
            .run(world.examples());

    assertThat(result.labels().isComplete()).isTrue();
    assertThat(result.labels().size()).isEqualTo(256);
    assertThat(result.inconsistency()).isZero();
    assertThat(Evaluation.agreement(result.labels(), world.gold())).isGreaterThanOrEqualTo(0.95);
    assertThat(result.batches().get(0).startsAtBest()).isGreaterThan(1);
    assertThat(result.warnings()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(longs = {1000, 1001, 1002})
  void papersAnnealingWithFourChains_agreesWithThePlantedLabels(long worldSeed) {
    PlantedWorld world = PlantedWorld.generate(PlantedWorld.Spec.standard(64, worldSeed));
    IcmResult result =
        Icm.builder()
            .search(Searches.paper().withIterations(1000))
            .scorer(world.scorer())
            .rule(Rules.exactlyOne())
            .rule(Rules.answerKey("answer"))
            .chains(4)
            .seed(worldSeed - 1000)
            .build()
            .run(world.examples());

    assertThat(result.labels().size()).isEqualTo(256);
    assertThat(result.labels().isComplete()).isTrue();
    assertThat(result.inconsistency()).isZero();
    assertThat(Evaluation.agreement(result.labels(), world.gold())).isGreaterThanOrEqualTo(0.95);
  }
}
