package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.icm4j.reward.PreferencePair;
import org.icm4j.reward.PreferencePairs;
import org.junit.jupiter.api.Test;

/** Preference pairs of more than two labels, in a label order (helpful > unhelpful > harmful). */
class PreferencePairsOrderTest {
  private static final LabelSpace GRADES = LabelSpace.of("helpful", "unhelpful", "harmful");
  private static final List<String> ORDER = List.of("helpful", "unhelpful", "harmful");

  private static Example response(String id, String group) {
    return new Example(id, "Q" + group + " / " + id, group, Map.of("question", "Q" + group, "response", "R " + id));
  }

  private static final List<Example> EXAMPLES =
      List.of(response("q1/a", "q1"), response("q1/b", "q1"), response("q1/c", "q1"), response("q1/d", "q1"),
          response("q2/a", "q2"), response("q2/b", "q2"));

  private static final Labeling LABELS =
      Labeling.of(GRADES, Map.of(
          "q1/a", "unhelpful", "q1/b", "helpful", "q1/c", "harmful", "q1/d", "unhelpful",
          "q2/a", "harmful", "q2/b", "harmful"));

  private static List<String> ids(List<PreferencePair> pairs) {
    return pairs.stream().map(PreferencePair::id).toList();
  }

  @Test
  void aLabelOrder_ordersEveryLabelNotOnlyThePreferredOne() {
    assertThat(ids(PreferencePairs.fromLabels(EXAMPLES, LABELS, ORDER, "ICM")))
        .containsExactly(
            "q1: q1/b > q1/a", "q1: q1/b > q1/d", "q1: q1/b > q1/c", // helpful beats the rest
            "q1: q1/a > q1/c", "q1: q1/d > q1/c"); // unhelpful beats harmful; q2's equal labels: none
    // the preferred-label form only makes "helpful beats the rest"
    assertThat(ids(PreferencePairs.fromLabels(EXAMPLES, LABELS, "helpful", "ICM")))
        .containsExactly("q1: q1/b > q1/a", "q1: q1/b > q1/c", "q1: q1/b > q1/d");
  }

  @Test
  void labelsTheOrderLeavesOut_giveNoPair() {
    assertThat(ids(PreferencePairs.fromLabels(EXAMPLES, LABELS, List.of("helpful", "harmful"), "ICM")))
        .containsExactly("q1: q1/b > q1/c");
  }

  @Test
  void aTwoLabelOrder_equalsThePreferredLabelForm() {
    Labeling binary = Labeling.of(LabelSpace.binary(), Map.of("q1/a", "True", "q1/b", "False", "q1/c", "False"));
    assertThat(PreferencePairs.fromLabels(EXAMPLES, binary, List.of("True", "False"), "x"))
        .isEqualTo(PreferencePairs.fromLabels(EXAMPLES, binary, "True", "x"));
  }

  @Test
  void aBadOrder_isRefusedNamingTheLabel() {
    assertThatThrownBy(() -> PreferencePairs.fromLabels(EXAMPLES, LABELS, List.of("helpful", "Harmful"), "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("labelOrder lists 'Harmful', which the label space [helpful, unhelpful, harmful] lacks: list"
            + " labels of the space, best first");
    assertThatThrownBy(() -> PreferencePairs.fromLabels(EXAMPLES, LABELS, List.of("helpful", "helpful"), "x"))
        .hasMessage("labelOrder lists 'helpful' twice: [helpful, helpful]");
    assertThatThrownBy(() -> PreferencePairs.fromLabels(EXAMPLES, LABELS, List.of("helpful"), "x"))
        .hasMessage("labelOrder must list at least two labels of [helpful, unhelpful, harmful], best first, but"
            + " was [helpful]");
  }
}
