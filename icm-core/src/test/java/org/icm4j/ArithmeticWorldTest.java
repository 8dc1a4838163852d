package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.icm4j.eval.Evaluation;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IcmWarning;
import org.icm4j.result.LabelSource;
import org.icm4j.search.Searches;
import org.icm4j.testing.ArithmeticWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The new user's world of issue 10: 10 arithmetic questions x 4 candidate answers, a toy
 * in-context learner that is wrong on 2 questions, a pairwise and a group rule written as lambdas,
 * and only scorer, rules and seed set.
 */
class ArithmeticWorldTest {

  private static Icm icm(ArithmeticWorld world, long seed, boolean paper) {
    Icm.Builder b =
        Icm.builder()
            .scorer(world.scorer())
            .rule(ArithmeticWorld.differentAnswersNotBothTrue())
            .rule(ArithmeticWorld.someAnswerTrue())
            .seed(seed);
    if (paper) {
      b.search(Searches.paper());
    }
    return b.build();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void defaults_labelEveryClaimConsistently_andReachTheLabelingTheModelBelieves(long seed) {
    ArithmeticWorld world = ArithmeticWorld.newcomer(seed);
    Icm icm = icm(world, seed, false);

    IcmResult result = icm.run(world.examples());

    assertThat(result.labels().isComplete()).isTrue();
    assertThat(result.inconsistency()).isZero();
    double belief = icm.energy(world.examples(), world.belief()).utility();
    assertThat(result.utility()).isGreaterThanOrEqualTo(belief - 1e-9);
    // the model believes a wrong answer on 2 of the 10 questions: 2 x 2 of the 40 claims differ
    assertThat(Evaluation.agreement(result.labels(), world.gold())).isEqualTo(36 / 40.0);
    assertThat(result.details()).hasSize(40).allMatch(d -> d.source() == LabelSource.SEARCH);
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void papersAnnealing_endsAtTheMirrorOnSeed1_andTheResultSaysSo() {
    // the trap the default search avoids: the labeling with every label swapped predicts itself
    // almost as well, and breaks "different answers cannot both be True" 30 times
    ArithmeticWorld world = ArithmeticWorld.newcomer(1);
    Icm icm = icm(world, 1, true);

    IcmResult result = icm.run(world.examples());

    double belief = icm.energy(world.examples(), world.belief()).utility();
    assertThat(result.utility()).isLessThan(belief - 10);
    assertThat(result.inconsistency()).isEqualTo(30);
    assertThat(Evaluation.agreement(result.labels(), world.gold())).isLessThan(0.2);
    assertThat(result.warnings())
        .extracting(IcmWarning::kind)
        .contains(IcmWarning.Kind.UNCONFIRMED, IcmWarning.Kind.RULES_BROKEN);
  }
}
