package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.icm4j.result.IcmResult;
import org.icm4j.reward.PreferencePair;
import org.icm4j.reward.PreferencePairs;
import org.icm4j.testing.ArithmeticWorld;
import org.junit.jupiter.api.Test;

class PreferencePairsTest {
  private static final LabelSpace SPACE = LabelSpace.binary();

  private static Example claim(String id, String group) {
    return Example.of(id, "claim " + id, group);
  }

  private static List<String> ids(List<PreferencePair> pairs) {
    return pairs.stream().map(p -> p.chosen().id() + ">" + p.rejected().id()).toList();
  }

  @Test
  void fromLabels_truthQuestions_preferTheTrueClaimOverEachFalseOne() {
    List<Example> examples =
        List.of(claim("q1/a", "q1"), claim("q1/b", "q1"), claim("q2/a", "q2"), claim("q2/b", "q2"), claim("q2/c", "q2"));
    Labeling labels =
        Labeling.of(SPACE, Map.of("q1/a", "False", "q1/b", "True", "q2/a", "True", "q2/b", "False", "q2/c", "False"));

    List<PreferencePair> pairs = PreferencePairs.fromLabels(examples, labels, "True", "ICM, seed 1");

    assertThat(ids(pairs)).containsExactly("q1/b>q1/a", "q2/a>q2/b", "q2/a>q2/c");
    assertThat(pairs).allSatisfy(p -> {
      assertThat(p.source()).isEqualTo("ICM, seed 1");
      assertThat(p.chosenProbability()).isNaN();
    });
    assertThat(pairs.get(0).group()).isEqualTo("q1");
  }

  @Test
  void fromLabels_comparisonPairs_preferTheOrderLabelledTrue() {
    Example ab = Example.of("cmp-e1-e2-e1", "e1 bigger e2 :", "cmp-e1-e2");
    Example ba = Example.of("cmp-e1-e2-e2", "e2 bigger e1 :", "cmp-e1-e2");
    Labeling labels = Labeling.of(SPACE, Map.of(ab.id(), "False", ba.id(), "True"));

    List<PreferencePair> pairs = PreferencePairs.fromLabels(List.of(ab, ba), labels, "True", "ICM");

    assertThat(pairs).hasSize(1);
    assertThat(pairs.get(0).chosen()).isEqualTo(ba);
    assertThat(pairs.get(0).rejected()).isEqualTo(ab);
  }

  @Test
  void fromLabels_skipsUnlabelledExamplesAndGroupsWithoutBothKinds() {
    List<Example> examples =
        List.of(claim("q1/a", "q1"), claim("q1/b", "q1"), claim("q2/a", "q2"), claim("q2/b", "q2"), claim("q3/a", "q3"), claim("q3/b", "q3"));
    Labeling labels =
        Labeling.of(SPACE, examples, Map.of("q1/a", "True", "q2/a", "True", "q2/b", "True", "q3/a", "False", "q3/b", "True"));

    assertThat(ids(PreferencePairs.fromLabels(examples, labels, "True", "x"))).containsExactly("q3/b>q3/a");
  }

  @Test
  void fromLabels_doesNotDependOnTheOrderOfTheExamples() {
    List<Example> examples = new ArrayList<>();
    for (int q = 9; q >= 0; q--) {
      examples.add(claim("q" + q + "/a", "q" + q));
      examples.add(claim("q" + q + "/b", "q" + q));
    }
    java.util.Map<String, String> m = new java.util.HashMap<>();
    for (Example e : examples) {
      m.put(e.id(), e.id().hashCode() % 2 == 0 ? "True" : "False");
    }
    Labeling labels = Labeling.of(SPACE, m);
    List<Example> shuffled = new ArrayList<>(examples);
    Collections.shuffle(shuffled, new java.util.Random(3));

    assertThat(PreferencePairs.fromLabels(shuffled, labels, "True", "x"))
        .isEqualTo(PreferencePairs.fromLabels(examples, labels, "True", "x"));
  }

  @Test
  void fromLabels_withAnotherPreferredLabel_reversesThePreference() {
    List<Example> examples = List.of(claim("q1/a", "q1"), claim("q1/b", "q1"));
    Labeling labels = Labeling.of(SPACE, Map.of("q1/a", "True", "q1/b", "False"));

    assertThat(ids(PreferencePairs.fromLabels(examples, labels, "False", "x"))).containsExactly("q1/b>q1/a");
  }

  @Test
  void fromLabels_rejectsALabelOutsideTheSpace() {
    List<Example> examples = List.of(claim("q1/a", "q1"), claim("q1/b", "q1"));
    Labeling labels = Labeling.of(SPACE, Map.of("q1/a", "True", "q1/b", "False"));

    assertThatThrownBy(() -> PreferencePairs.fromLabels(examples, labels, "true", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'true'")
        .hasMessageContaining("[True, False]");
  }

  @Test
  void fromLabels_rejectsDuplicateIds() {
    List<Example> examples = List.of(claim("q1/a", "q1"), claim("q1/a", "q1"));
    Labeling labels = Labeling.of(SPACE, Map.of("q1/a", "True"));

    assertThatThrownBy(() -> PreferencePairs.fromLabels(examples, labels, "True", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q1/a'");
  }

  @Test
  void fromLabels_rejectsABlankSource() {
    List<Example> examples = List.of(claim("q1/a", "q1"), claim("q1/b", "q1"));
    Labeling labels = Labeling.of(SPACE, Map.of("q1/a", "True", "q1/b", "False"));

    assertThatThrownBy(() -> PreferencePairs.fromLabels(examples, labels, "True", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("source");
  }

  @Test
  void fromResult_carriesIcmsProbabilityOfEachLabel() {
    ArithmeticWorld world = ArithmeticWorld.generate(6, 2, 0, 0.8, 5);
    IcmResult result =
        Icm.builder().scorer(world.scorer()).rule(Rules.exactlyOne()).seed(1).build().run(world.examples());

    List<PreferencePair> pairs = PreferencePairs.fromResult(world.examples(), result, "True", "ICM, seed 1");

    assertThat(pairs).hasSize(6);
    for (PreferencePair p : pairs) {
      assertThat(result.labels().label(p.chosen().id())).contains("True");
      assertThat(result.labels().label(p.rejected().id())).contains("False");
      assertThat(p.chosenProbability()).isEqualTo(result.detail(p.chosen().id()).orElseThrow().probability());
      assertThat(p.rejectedProbability()).isEqualTo(result.detail(p.rejected().id()).orElseThrow().probability());
    }
  }

  @Test
  void pair_rejectsTheSameResponseTwice() {
    Example a = claim("q1/a", "q1");
    assertThatThrownBy(() -> PreferencePair.of(a, a, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q1/a'");
  }

  @Test
  void pair_rejectsResponsesOfDifferentGroups() {
    assertThatThrownBy(() -> PreferencePair.of(claim("q1/a", "q1"), claim("q2/a", "q2"), "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q2/a' in group 'q2'");
  }

  @Test
  void pair_rejectsAProbabilityOutsideTheUnitInterval() {
    assertThatThrownBy(() -> new PreferencePair("q1", claim("q1/a", "q1"), claim("q1/b", "q1"), "x", 1.5, 0.2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q1/a'")
        .hasMessageContaining("1.5");
  }

  @Test
  void pair_reversed_swapsResponsesAndProbabilities() {
    PreferencePair p = new PreferencePair("q1", claim("q1/a", "q1"), claim("q1/b", "q1"), "x", 0.9, 0.7);

    PreferencePair r = p.reversed();

    assertThat(r.chosen().id()).isEqualTo("q1/b");
    assertThat(r.rejected().id()).isEqualTo("q1/a");
    assertThat(r.chosenProbability()).isEqualTo(0.7);
    assertThat(r.rejectedProbability()).isEqualTo(0.9);
    assertThat(r.id()).isEqualTo("q1: q1/b > q1/a");
  }
}
