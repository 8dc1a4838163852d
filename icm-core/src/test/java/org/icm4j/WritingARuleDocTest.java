package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.Test;

/** The three-label example of docs/writing-a-rule.md counts what the text says it counts. */
class WritingARuleDocTest {
  private static final LabelSpace GRADES = LabelSpace.of("helpful", "unhelpful", "harmful");
  private static final LabelScorer FLAT =
      (space, requests) -> ScoreResult.of(requests.stream().map(r -> new double[space.size()]).toList());

  private static final ConsistencyRule NOT_HARMFUL_AND_HELPFUL =
      ConsistencyRule.pairwise("not-harmful-and-helpful", Set.of("helpful", "harmful"),
          (a, la, b, lb) -> !(Objects.equals(a.attribute("answer"), b.attribute("answer"))
              && (la.equals("helpful") && lb.equals("harmful") || la.equals("harmful") && lb.equals("helpful"))));

  private static final Example A = new Example("q1/a", "...", "q1", Map.of("answer", "18"));
  private static final Example B = new Example("q1/b", "...", "q1", Map.of("answer", "18"));
  private static final Example C = new Example("q1/c", "...", "q1", Map.of("answer", "7"));

  private static Icm icm(ConsistencyRule... rules) {
    Icm.Builder b = Icm.builder().scorer(FLAT).labelSpace(GRADES).seed(42);
    for (ConsistencyRule r : rules) {
      b.rule(r);
    }
    return b.build();
  }

  private static int violations(Icm icm, Map<String, String> labels) {
    return icm.energy(List.of(A, B, C), Labeling.of(GRADES, labels)).inconsistency();
  }

  @Test
  void builtInsTakeTheLabelThatPlaysTrue_inAThreeLabelSpace() {
    Icm icm = icm(Rules.exactlyOne("helpful"), Rules.answerKey("answer", "helpful"));
    // a and b both helpful: one pair, counted once though it breaks exactlyOne only
    assertThat(violations(icm, Map.of("q1/a", "helpful", "q1/b", "helpful", "q1/c", "harmful"))).isEqualTo(1);
    assertThat(violations(icm, Map.of("q1/a", "unhelpful", "q1/b", "unhelpful", "q1/c", "helpful"))).isEqualTo(0);
    // a fully labelled group without a helpful answer breaks exactlyOne once; a, b differ: answerKey
    assertThat(violations(icm, Map.of("q1/a", "unhelpful", "q1/b", "harmful", "q1/c", "harmful"))).isEqualTo(2);
    assertThat(violations(icm(Rules.atMostOne("helpful")), Map.of("q1/a", "helpful", "q1/c", "helpful")))
        .isEqualTo(1);
  }

  @Test
  void aRuleOnTheOtherLabels_countsOnlyItsPairs() {
    Icm icm = icm(NOT_HARMFUL_AND_HELPFUL);
    assertThat(violations(icm, Map.of("q1/a", "helpful", "q1/b", "harmful", "q1/c", "helpful"))).isEqualTo(1);
    assertThat(violations(icm, Map.of("q1/a", "helpful", "q1/b", "unhelpful", "q1/c", "harmful"))).isEqualTo(0);
  }

  @Test
  void aTrueLabelTheSpaceLacks_isRejected() {
    assertThatThrownBy(() -> icm(Rules.exactlyOne()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'True'")
        .hasMessageContaining("[helpful, unhelpful, harmful]");
  }
}
