package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Rules declare the labels they compare with, and build() checks them against the label space. */
class RuleLabelsTest {

  private static final LabelScorer FLAT =
      (space, requests) ->
          ScoreResult.of(requests.stream().map(r -> new double[space.size()]).toList());

  private static Icm.Builder builder(ConsistencyRule rule) {
    return Icm.builder().scorer(FLAT).seed(1).rule(rule);
  }

  @Test
  void build_rejectsAPairLambdaThatUsesALabelTheSpaceLacks_namingRuleLabelAndSpace() {
    ConsistencyRule typo =
        ConsistencyRule.pairwise(
            "not-both-correct",
            Set.of("Correct"),
            (a, la, b, lb) -> !(la.equals("Correct") && lb.equals("Correct")));

    assertThatThrownBy(() -> builder(typo).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rule 'not-both-correct'")
        .hasMessageContaining("label 'Correct'")
        .hasMessageContaining("[True, False]");
  }

  @Test
  void build_rejectsAGroupLambdaThatUsesALabelTheSpaceLacks() {
    ConsistencyRule typo =
        ConsistencyRule.group(
            "some-true", Set.of("true"), (members, labels) -> labels.contains("true"));

    assertThatThrownBy(() -> builder(typo).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rule 'some-true'")
        .hasMessageContaining("label 'true'")
        .hasMessageContaining("[True, False]")
        .hasMessageContaining("case matters");
  }

  @Test
  void build_checksDeclaredLabelsAgainstTheConfiguredSpace() {
    ConsistencyRule rule =
        ConsistencyRule.pairwise(
            "not-both-yes", Set.of("yes"), (a, la, b, lb) -> !(la.equals("yes") && lb.equals("yes")));

    assertThatThrownBy(() -> builder(rule).build()).hasMessageContaining("label 'yes'");
    Icm icm = builder(rule).labelSpace(LabelSpace.of("yes", "no")).build();
    assertThat(icm.configuration()).isNotEmpty();
  }

  @Test
  void declaredLambda_isTheSameRule_andItsViolationsCount() {
    ConsistencyRule rule =
        ConsistencyRule.pairwise(
            "not-both-true", Set.of("True"), (a, la, b, lb) -> !(la.equals("True") && lb.equals("True")));
    List<Example> group = List.of(Example.of("a", "p a", "g"), Example.of("b", "p b", "g"));
    Icm icm = builder(rule).build();

    assertThat(rule.labelsUsed()).containsExactly("True");
    assertThat(icm.energy(group, Labeling.of(LabelSpace.binary(), Map.of("a", "True", "b", "True")))
            .inconsistency())
        .isEqualTo(1);
    assertThat(icm.energy(group, Labeling.of(LabelSpace.binary(), Map.of("a", "True", "b", "False")))
            .inconsistency())
        .isEqualTo(0);
  }

  @Test
  void classRule_declaringLabelsUsed_isCheckedByTheDefaultValidate() {
    ConsistencyRule rule =
        new ConsistencyRule() {
          @Override
          public String name() {
            return "no-two-maybes";
          }

          @Override
          public Set<String> labelsUsed() {
            return Set.of("Maybe");
          }

          @Override
          public boolean pairConsistent(Example a, String la, Example b, String lb) {
            return !(la.equals("Maybe") && lb.equals("Maybe"));
          }

          @Override
          public boolean groupConsistent(List<Example> members, List<@Nullable String> labels) {
            return true;
          }
        };

    assertThatThrownBy(() -> builder(rule).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rule 'no-two-maybes'")
        .hasMessageContaining("label 'Maybe'");
  }

  @Test
  void undeclaredLambda_usesNoLabel_andBuiltInsDeclareTheirTrueLabel() {
    assertThat(ConsistencyRule.pairwise("same", (a, la, b, lb) -> la.equals(lb)).labelsUsed()).isEmpty();
    assertThat(Rules.exactlyOne().labelsUsed()).containsExactly("True");
    assertThat(Rules.atMostOne("Yes").labelsUsed()).containsExactly("Yes");
    assertThat(Rules.equivalence("answer").labelsUsed()).isEmpty();
  }

  @Test
  void pairwise_rejectsNullDeclarations() {
    assertThatThrownBy(() -> ConsistencyRule.pairwise("x", null, (a, la, b, lb) -> true))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("labelsUsed");
  }
}
