package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LabelingTest {
  private static final LabelSpace BINARY = LabelSpace.binary();

  @Test
  void of_map_isACompleteLabeling_equalToTheConstructorWithNoUnlabelled() {
    Labeling l = Labeling.of(BINARY, Map.of("b", "False", "a", "True"));

    assertThat(l.isComplete()).isTrue();
    assertThat(l.asMap()).containsExactly(Map.entry("a", "True"), Map.entry("b", "False"));
    assertThat(l).isEqualTo(new Labeling(BINARY, Map.of("a", "True", "b", "False"), Set.of()));
  }

  @Test
  void of_map_copiesItsInput() {
    Map<String, String> labels = new HashMap<>(Map.of("a", "True"));
    Labeling l = Labeling.of(BINARY, labels);
    labels.put("b", "False");

    assertThat(l.size()).isEqualTo(1);
  }

  @Test
  void of_map_rejectsALabelOutsideTheSpace_namingIdLabelAndSpace() {
    assertThatThrownBy(() -> Labeling.of(BINARY, Map.of("q1", "Correct")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q1'")
        .hasMessageContaining("'Correct'")
        .hasMessageContaining("[True, False]");
  }

  @Test
  void of_map_rejectsBlankIdsAndNullLabels() {
    assertThatThrownBy(() -> Labeling.of(BINARY, Map.of(" ", "True")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    Map<String, String> withNull = new HashMap<>();
    withNull.put("q7", null);
    assertThatThrownBy(() -> Labeling.of(BINARY, withNull))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("q7");
  }

  @Test
  void of_examples_leavesExamplesWithoutALabelUnlabelled() {
    List<Example> examples = List.of(Example.of("c", "p"), Example.of("a", "p"), Example.of("b", "p"));
    Labeling l = Labeling.of(BINARY, examples, Map.of("b", "True"));

    assertThat(l.size()).isEqualTo(3);
    assertThat(l.asMap()).containsExactly(Map.entry("b", "True"));
    assertThat(l.unlabelledIds()).containsExactly("a", "c");
  }

  @Test
  void of_examples_rejectsALabelOfAnIdNotAmongTheExamples() {
    List<Example> examples = List.of(Example.of("a", "p"));

    assertThatThrownBy(() -> Labeling.of(BINARY, examples, Map.of("z", "True")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'z'")
        .hasMessageContaining("not among the 1 examples");
  }

  @Test
  void of_examples_rejectsDuplicateIds() {
    List<Example> examples = List.of(Example.of("a", "p"), Example.of("a", "q"));

    assertThatThrownBy(() -> Labeling.of(BINARY, examples, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' occurs more than once");
  }
}
