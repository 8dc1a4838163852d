package org.icm4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.LabelSpace;
import org.junit.jupiter.api.Test;

class GoldLabelsTest {

  private static final LabelSpace BINARY = LabelSpace.binary();

  @Test
  void of_rejectsLabelOutsideSpaceNamingIdLabelAndSpace() {
    assertThatThrownBy(() -> GoldLabels.of(BINARY, Map.of("q7", "true")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q7'")
        .hasMessageContaining("'true'")
        .hasMessageContaining("[True, False]");
  }

  @Test
  void of_rejectsBlankId() {
    assertThatThrownBy(() -> GoldLabels.of(BINARY, Map.of(" ", "True")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
  }

  @Test
  void of_rejectsNullLabelNamingTheId() {
    Map<String, String> labels = new HashMap<>();
    labels.put("q1", null);
    assertThatThrownBy(() -> GoldLabels.of(BINARY, labels))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("q1");
  }

  @Test
  void label_returnsGoldLabelOrEmpty() {
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("a", "True", "b", "False"));

    assertThat(gold.label("a")).contains("True");
    assertThat(gold.label("b")).contains("False");
    assertThat(gold.label("c")).isEmpty();
    assertThat(gold.size()).isEqualTo(2);
    assertThat(gold.labelSpace()).isEqualTo(BINARY);
  }

  @Test
  void of_copiesItsInputSoLaterChangesDoNotLeakIn() {
    Map<String, String> source = new HashMap<>(Map.of("a", "True"));
    GoldLabels gold = GoldLabels.of(BINARY, source);

    source.put("b", "False");
    source.put("a", "False");

    assertThat(gold.asMap()).containsExactly(Map.entry("a", "True"));
  }

  @Test
  void asMap_isUnmodifiableAndInIdOrder() {
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("c", "True", "a", "False", "b", "True"));

    assertThat(List.copyOf(gold.asMap().keySet())).containsExactly("a", "b", "c");
    assertThatThrownBy(() -> gold.asMap().put("d", "True"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void equals_comparesSpaceAndLabels() {
    GoldLabels one = GoldLabels.of(BINARY, Map.of("a", "True"));

    assertThat(one).isEqualTo(GoldLabels.of(BINARY, Map.of("a", "True")));
    assertThat(one).hasSameHashCodeAs(GoldLabels.of(BINARY, Map.of("a", "True")));
    assertThat(one).isNotEqualTo(GoldLabels.of(BINARY, Map.of("a", "False")));
    assertThat(one).isNotEqualTo(GoldLabels.of(LabelSpace.of("False", "True"), Map.of("a", "True")));
  }

  @Test
  void toString_summarisesWithoutListingLabels() {
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("secret-id", "True"));

    assertThat(gold.toString()).contains("size=1").doesNotContain("secret-id");
  }
}
