package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.icm4j.eval.Evaluation;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IcmWarning;
import org.icm4j.search.Searches;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * "Exactly one True" over groups too large to enumerate (2^13 and more assignments) holds as a
 * constraint: the group moves among the assignments with one member apart (issue 23 item 7: they
 * moved member by member, scored as penalties, and ended with 2-5 Trues and a false RULES_BROKEN).
 */
class LargeGroupTest {

  private static PlantedWorld world(int groupSize, long seed) {
    return PlantedWorld.generate(
        new PlantedWorld.Spec(
            3, groupSize, 3.0, new double[] {0.5, 0.25}, new double[] {1.0, 0.5}, 2.0, 0.05, 0.65, 0.5, seed));
  }

  @ParameterizedTest
  @ValueSource(ints = {13, 40, 200})
  void exactlyOne_holdsInEveryLargeGroup_withTheDefaults(int groupSize) {
    PlantedWorld w = world(groupSize, groupSize);
    IcmResult r = Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).seed(1).build().run(w.examples());

    assertThat(r.inconsistency()).isZero();
    assertThat(r.warnings()).extracting(IcmWarning::kind).doesNotContain(IcmWarning.Kind.RULES_BROKEN);
    assertExactlyOneTruePerGroup(r);
    assertThat(Evaluation.agreement(r.labels(), w.gold())).isEqualTo(1.0);
  }

  @ParameterizedTest
  @ValueSource(ints = {13, 200})
  void theCompletionAfterThePapersAnnealing_keepsExactlyOne_inALargeGroup(int groupSize) {
    PlantedWorld w = world(groupSize, 7);
    // no iterations: the completion labels every example from the K random starting labels
    IcmResult r =
        Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).search(Searches.paper().withIterations(0))
            .initialLabels(1).seed(3).build().run(w.examples());

    assertThat(r.labels().isComplete()).isTrue();
    assertExactlyOneTruePerGroup(r);
  }

  private static void assertExactlyOneTruePerGroup(IcmResult r) {
    for (String group : List.of("q0000", "q0001", "q0002")) {
      long trues =
          r.labels().asMap().entrySet().stream()
              .filter(e -> e.getKey().startsWith(group + "-") && e.getValue().equals("True"))
              .count();
      assertThat(trues).as("Trues in %s", group).isEqualTo(1);
    }
  }
}
