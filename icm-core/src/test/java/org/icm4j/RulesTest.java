package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.internal.Problem;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.search.ExampleSampler;
import org.icm4j.spi.search.SearchSettings;
import org.icm4j.spi.search.SearchState;
import org.icm4j.spi.search.TemperatureSchedule;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class RulesTest {

  private static final String T = "True";
  private static final String F = "False";
  private static final boolean OK = true;
  private static final boolean VIOLATED = false;

  /** An example of group "g" with the given attributes (key, value, key, value, ...). */
  private static Example ex(String id, String... keyValues) {
    Map<String, String> attributes = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      attributes.put(keyValues[i], keyValues[i + 1]);
    }
    return new Example(id, "claim " + id, "g", attributes);
  }

  /**
   * Checks {@code rule.pairConsistent(a, la, b, lb)} for each row {@code la, lb, expected} of the
   * table, and the same with {@code a} and {@code b} swapped.
   */
  private static void assertTable(ConsistencyRule rule, Example a, Example b, Object... rows) {
    assertThat(rows.length % 3).isZero();
    for (int i = 0; i < rows.length; i += 3) {
      String la = (String) rows[i];
      String lb = (String) rows[i + 1];
      boolean expected = (Boolean) rows[i + 2];
      assertThat(rule.pairConsistent(a, la, b, lb))
          .as("%s: %s=%s, %s=%s (attributes %s, %s)",
              rule.name(), a.id(), la, b.id(), lb, a.attributes(), b.attributes())
          .isEqualTo(expected);
      assertThat(rule.pairConsistent(b, lb, a, la))
          .as("%s swapped: %s=%s, %s=%s", rule.name(), b.id(), lb, a.id(), la)
          .isEqualTo(expected);
    }
  }

  // ---- answerKey ----

  @Test
  void answerKey_equalKeysMustHaveTheSameLabel() {
    assertTable(
        Rules.answerKey("answer"), ex("a", "answer", "42"), ex("b", "answer", "42"),
        T, T, OK,
        T, F, VIOLATED,
        F, T, VIOLATED,
        F, F, OK);
  }

  @Test
  void answerKey_differentKeysCannotBothBeTrue() {
    assertTable(
        Rules.answerKey("answer"), ex("a", "answer", "42"), ex("b", "answer", "41"),
        T, T, VIOLATED,
        T, F, OK,
        F, T, OK,
        F, F, OK);
  }

  @Test
  void answerKey_withAnotherTrueLabelUsesIt() {
    ConsistencyRule rule = Rules.answerKey("answer", "Yes");
    Example a = ex("a", "answer", "1");
    Example b = ex("b", "answer", "2");

    assertTable(
        rule, a, b,
        "Yes", "Yes", VIOLATED,
        "Yes", "No", OK,
        "No", "No", OK,
        T, T, OK); // "True" is just another label here
    assertTable(
        rule, a, ex("c", "answer", "1"),
        "Yes", "Yes", OK,
        "Yes", "No", VIOLATED,
        "No", "No", OK);
  }

  @Test
  void answerKey_hasADescriptiveName() {
    assertThat(Rules.answerKey("answer").name()).isEqualTo("answerKey(answer)");
    assertThat(Rules.answerKey("answer")).hasToString("answerKey(answer)");
  }

  // ---- exclusion ----

  @Test
  void exclusion_differentKeysCannotBothBeTrue() {
    assertTable(
        Rules.exclusion("answer"), ex("a", "answer", "42"), ex("b", "answer", "41"),
        T, T, VIOLATED,
        T, F, OK,
        F, T, OK,
        F, F, OK);
  }

  @Test
  void exclusion_equalKeysAreUnconstrained() {
    assertTable(
        Rules.exclusion("answer"), ex("a", "answer", "42"), ex("b", "answer", "42"),
        T, T, OK,
        T, F, OK,
        F, T, OK,
        F, F, OK);
  }

  // ---- equivalence ----

  @Test
  void equivalence_equalValuesMustHaveTheSameLabel() {
    assertTable(
        Rules.equivalence("answer"), ex("a", "answer", "42"), ex("b", "answer", "42"),
        T, T, OK,
        T, F, VIOLATED,
        F, T, VIOLATED,
        F, F, OK);
  }

  @Test
  void equivalence_differentValuesAreUnconstrained() {
    assertTable(
        Rules.equivalence("answer"), ex("a", "answer", "42"), ex("b", "answer", "41"),
        T, T, OK,
        T, F, OK,
        F, T, OK,
        F, F, OK);
  }

  @Test
  void equivalence_comparesAnyLabelsNotJustTrue() {
    assertTable(
        Rules.equivalence("answer"), ex("a", "answer", "42"), ex("b", "answer", "42"),
        "A", "A", OK,
        "A", "B", VIOLATED,
        "B", "C", VIOLATED);
  }

  // ---- asymmetry ----

  @Test
  void asymmetry_exactlyOneOfEveryTwoGroupMatesIsTrue() {
    assertTable(
        Rules.asymmetry(), ex("a"), ex("b"),
        T, T, VIOLATED,
        T, F, OK,
        F, T, OK,
        F, F, VIOLATED);
  }

  @Test
  void asymmetryByAttributes_reversedPairNeedsExactlyOneTrue() {
    assertTable(
        Rules.asymmetry("left", "right"),
        ex("a", "left", "x", "right", "y"),
        ex("b", "left", "y", "right", "x"),
        T, T, VIOLATED,
        T, F, OK,
        F, T, OK,
        F, F, VIOLATED);
  }

  @Test
  void asymmetryByAttributes_differentComparisonsAreUnrelated() {
    ConsistencyRule rule = Rules.asymmetry("left", "right");
    Example xy = ex("a", "left", "x", "right", "y");
    // same order of the same comparison, and a comparison sharing only one side
    for (Example other : List.of(ex("b", "left", "x", "right", "y"), ex("c", "left", "y", "right", "z"))) {
      assertTable(
          rule, xy, other,
          T, T, OK,
          T, F, OK,
          F, T, OK,
          F, F, OK);
    }
  }

  @Test
  void asymmetryByAttributes_hasADescriptiveName() {
    assertThat(Rules.asymmetry("left", "right").name()).isEqualTo("asymmetry(left,right)");
    assertThat(Rules.asymmetry().name()).isEqualTo("asymmetry");
  }

  // ---- atMostOne ----

  @Test
  void atMostOne_twoTruesViolate() {
    assertTable(
        Rules.atMostOne(), ex("a"), ex("b"),
        T, T, VIOLATED,
        T, F, OK,
        F, T, OK,
        F, F, OK);
  }

  @Test
  void atMostOne_countsOnlyTheTrueLabelInALargerSpace() {
    assertTable(
        Rules.atMostOne(), ex("a"), ex("b"),
        "Maybe", "Maybe", OK,
        T, "Maybe", OK);
  }

  @Test
  void atMostOne_hasNoGroupPart() {
    ConsistencyRule rule = Rules.atMostOne();

    assertThat(rule.hasGroupPart()).isFalse();
    assertThat(rule.hasPairPart()).isTrue();
    assertThat(rule.groupConsistent(List.of(ex("a"), ex("b")), List.of(F, F))).isTrue();
  }

  // ---- exactlyOne ----

  @Test
  void exactlyOne_pairPartForbidsTwoTrues() {
    assertTable(
        Rules.exactlyOne(), ex("a"), ex("b"),
        T, T, VIOLATED,
        T, F, OK,
        F, T, OK,
        F, F, OK);
  }

  @Test
  void exactlyOne_hasPairAndGroupParts() {
    ConsistencyRule rule = Rules.exactlyOne();

    assertThat(rule.hasPairPart()).isTrue();
    assertThat(rule.hasGroupPart()).isTrue();
    assertThat(rule.name()).isEqualTo("exactlyOne");
  }

  @Test
  void exactlyOne_fullyLabelledGroupWithoutTrueViolates() {
    List<Example> members = List.of(ex("a"), ex("b"), ex("c"));

    assertThat(Rules.exactlyOne().groupConsistent(members, List.of(F, F, F))).isFalse();
  }

  @Test
  void exactlyOne_groupTruthTable() {
    ConsistencyRule rule = Rules.exactlyOne();
    List<Example> three = List.of(ex("a"), ex("b"), ex("c"));
    // labels of a, b, c (null: unlabelled)        -> group part consistent?
    assertThat(rule.groupConsistent(three, labels(F, F, F))).isEqualTo(VIOLATED); // full, no True
    assertThat(rule.groupConsistent(three, labels(F, null, F))).isEqualTo(OK); // partial
    assertThat(rule.groupConsistent(three, labels(null, null, null))).isEqualTo(OK); // nothing labelled
    assertThat(rule.groupConsistent(three, labels(F, T, F))).isEqualTo(OK); // one True
    assertThat(rule.groupConsistent(three, labels(T, T, F))).isEqualTo(OK); // left to the pair part
    assertThat(rule.groupConsistent(three, labels("Maybe", F, F))).isEqualTo(VIOLATED); // no True
  }

  @Test
  void exactlyOne_partiallyLabelledAllFalseGroupDoesNotViolate() {
    List<Example> members = List.of(ex("a"), ex("b"), ex("c"), ex("d"));

    assertThat(Rules.exactlyOne().groupConsistent(members, labels(F, F, null, F))).isTrue();
  }

  @Test
  void exactlyOne_singletonGroupNeverViolates() {
    ConsistencyRule rule = Rules.exactlyOne();
    List<Example> one = List.of(ex("a"));

    assertThat(rule.groupConsistent(one, labels(F))).isTrue();
    assertThat(rule.groupConsistent(one, labels(T))).isTrue();
    assertThat(rule.groupConsistent(one, labels((String) null))).isTrue();
  }

  private static List<String> labels(String... labels) {
    return Arrays.asList(labels);
  }

  // ---- examples lacking the attribute ----

  @Test
  void attributeRules_doNotRelateExamplesLackingTheAttribute() {
    List<ConsistencyRule> rules =
        List.of(
            Rules.answerKey("answer"),
            Rules.exclusion("answer"),
            Rules.equivalence("answer"),
            Rules.asymmetry("answer", "other"));
    Example with = ex("a", "answer", "1", "other", "2");
    Example withReversed = ex("r", "answer", "2", "other", "1");
    Example without = ex("b");
    Example unrelatedKey = ex("c", "note", "1");
    for (ConsistencyRule rule : rules) {
      for (Example[] pair :
          new Example[][] {{with, without}, {without, unrelatedKey}, {withReversed, unrelatedKey}}) {
        assertTable(
            rule, pair[0], pair[1],
            T, T, OK,
            T, F, OK,
            F, T, OK,
            F, F, OK);
      }
    }
  }

  @Test
  void asymmetryByAttributes_doesNotRelateAnExampleLackingOneOfItsAttributes() {
    // a has left=x but no right; b has left=y, right=x: not a reversed pair
    assertTable(
        Rules.asymmetry("left", "right"), ex("a", "left", "x"), ex("b", "left", "y", "right", "x"),
        T, T, OK,
        F, F, OK);
  }

  @Test
  void factories_rejectNullAttributes() {
    assertThatThrownBy(() -> Rules.answerKey(null)).isInstanceOf(NullPointerException.class).hasMessage("attribute");
    assertThatThrownBy(() -> Rules.answerKey("answer", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("trueLabel");
    assertThatThrownBy(() -> Rules.exclusion(null)).isInstanceOf(NullPointerException.class).hasMessage("attribute");
    assertThatThrownBy(() -> Rules.equivalence(null)).isInstanceOf(NullPointerException.class).hasMessage("attribute");
    assertThatThrownBy(() -> Rules.asymmetry(null, "right"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("leftAttribute");
    assertThatThrownBy(() -> Rules.asymmetry("left", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("rightAttribute");
  }

  // ---- every built-in pair rule is symmetric ----

  private static final List<ConsistencyRule> PAIR_RULES =
      List.of(
          Rules.answerKey("answer"),
          Rules.answerKey("answer", "Yes"),
          Rules.exclusion("answer"),
          Rules.equivalence("answer"),
          Rules.asymmetry(),
          Rules.asymmetry("left", "right"),
          Rules.atMostOne(),
          Rules.exactlyOne());

  private static final List<String> LABELS = List.of("True", "False", "Yes", "Maybe");

  /** Value index 0 means the attribute is absent; 1..3 pick "x", "y", "z". */
  private static Gen<Example> examples(String id) {
    return integers().between(0, 3)
        .zip(integers().between(0, 3), integers().between(0, 3), (answer, left, right) -> {
          List<String> kv = new ArrayList<>();
          String[] values = {null, "x", "y", "z"};
          if (answer > 0) {
            kv.addAll(List.of("answer", values[answer]));
          }
          if (left > 0) {
            kv.addAll(List.of("left", values[left]));
          }
          if (right > 0) {
            kv.addAll(List.of("right", values[right]));
          }
          return ex(id, kv.toArray(String[]::new));
        });
  }

  @Test
  void builtInPairRules_areSymmetric() {
    Gen<String> labels = integers().between(0, LABELS.size() - 1).map(LABELS::get);
    qt().forAll(examples("a"), labels, examples("b"), labels)
        .checkAssert(
            (a, la, b, lb) -> {
              for (ConsistencyRule rule : PAIR_RULES) {
                assertThat(rule.pairConsistent(a, la, b, lb))
                    .as("%s on %s=%s %s vs %s=%s %s",
                        rule.name(), a.id(), la, a.attributes(), b.id(), lb, b.attributes())
                    .isEqualTo(rule.pairConsistent(b, lb, a, la));
              }
            });
  }

  // ---- the inconsistency I, counted by hand ----

  private static final LabelSpace BINARY = LabelSpace.binary();

  /** Every label equally likely, whatever the context: P(D) = 0, so U = -I. */
  private static final LabelScorer COIN =
      (space, requests) ->
          ScoreResult.of(
              requests.stream()
                  .map(r -> {
                    double[] row = new double[space.size()];
                    Arrays.fill(row, Math.log(1.0 / space.size()));
                    return row;
                  })
                  .toList());

  private static final SearchSettings SETTINGS =
      new SearchSettings(1, 50, MutualPredictability.MEAN_SIGNED_LOG_ODDS);

  /**
   * Three groups: q1 (four candidate answers, two of them equal), q2 (three candidates, two equal),
   * q3 (a singleton). Given out of id order on purpose: labels are in id order.
   */
  private static final List<Example> SMALL =
      List.of(
          new Example("q2-b", "claim", "q2", Map.of("answer", "3")),
          new Example("q1-a", "claim", "q1", Map.of("answer", "5")),
          new Example("q3-a", "claim", "q3", Map.of("answer", "8")),
          new Example("q1-d", "claim", "q1", Map.of("answer", "9")),
          new Example("q2-c", "claim", "q2", Map.of("answer", "3")),
          new Example("q1-b", "claim", "q1", Map.of("answer", "5")),
          new Example("q2-a", "claim", "q2", Map.of("answer", "5")),
          new Example("q1-c", "claim", "q1", Map.of("answer", "7")));

  private static SearchState evaluate(List<ConsistencyRule> rules, int... labels) {
    return Problem.standalone(SMALL, BINARY, rules, SETTINGS, COIN, 1).evaluate(labels);
  }

  private static final int TRUE = 0;
  private static final int FALSE = 1;
  private static final int NONE = -1;

  @Test
  void inconsistency_equalsAHandCountForAMixedLabeling() {
    // id order: q1-a(5) q1-b(5) q1-c(7) q1-d(9) | q2-a(5) q2-b(3) q2-c(3) | q3-a(8)
    SearchState s =
        evaluate(
            List.of(Rules.answerKey("answer"), Rules.exactlyOne()),
            TRUE, FALSE, TRUE, NONE,
            FALSE, FALSE, FALSE,
            FALSE);
    // q1 labelled pairs (q1-d is unlabelled):
    //   (a,b) keys 5=5, True/False  -> answerKey violated                      1
    //   (a,c) keys 5/7, True/True   -> answerKey and exactlyOne violated: one pair, counted once  1
    //   (b,c) keys 5/7, False/True  -> consistent                              0
    //   exactlyOne group part: q1-d unlabelled -> consistent                   0
    // q2: (a,b) 5/3 F/F ok; (a,c) 5/3 F/F ok; (b,c) 3=3 F/F ok                 0
    //   exactlyOne group part: fully labelled, no True -> violated             1
    // q3: singleton, never violates                                            0
    // I = 1 + 1 + 1 = 3
    assertThat(s.inconsistency()).isEqualTo(3);
    assertThat(s.labelledCount()).isEqualTo(7);
    assertThat(s.mutualPredictability()).isZero();
    assertThat(s.utility()).isEqualTo(-3.0);
  }

  @Test
  void inconsistency_equalsAHandCountForAllTrue() {
    // every example True, rules answerKey + exactlyOne:
    // q1: pairs (a,b) 5=5 T/T ok by answerKey but two Trues violate exactlyOne -> 1;
    //     (a,c) (a,d) (b,c) (b,d) (c,d) different keys, both True -> 5; all 6 pairs violated  6
    //     group part: has a True -> 0
    // q2: pairs (a,b) (a,c) (b,c): all two Trues -> 3; group part 0                     3
    // q3: singleton                                                                     0
    // I = 6 + 3 = 9
    SearchState s =
        evaluate(
            List.of(Rules.answerKey("answer"), Rules.exactlyOne()),
            TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE);

    assertThat(s.inconsistency()).isEqualTo(9);
    assertThat(s.utility()).isEqualTo(-9.0);
  }

  @Test
  void inconsistency_isZeroForTheConsistentLabeling() {
    // q1: only q1-c True (no key shared with another); q2: only q2-a True (keys 5 vs 3, 3);
    // q2-b and q2-c share key 3 and are both False; q3 singleton: 0 violations in all
    SearchState s =
        evaluate(
            List.of(Rules.answerKey("answer"), Rules.exactlyOne()),
            FALSE, FALSE, TRUE, FALSE,
            TRUE, FALSE, FALSE,
            TRUE);

    assertThat(s.inconsistency()).isZero();
  }

  @Test
  void inconsistency_countsOneForEachViolatedGroupRule() {
    // two group rules, each violated by q2 being fully labelled without a True, and by q1 too:
    ConsistencyRule atLeastOneTrue =
        ConsistencyRule.group(
            "atLeastOneTrueOnceComplete",
            (members, labels) -> labels.contains(null) || labels.contains("True"));
    // q1 all False, q2 all False, q3 False:
    // exactlyOne group part: q1 violated (1), q2 violated (1), q3 singleton (0)
    // atLeastOneTrue:        q1 violated (1), q2 violated (1), q3 violated (1; no size exemption)
    // exactlyOne pair part: no two Trues -> 0
    // I = 2 + 3 = 5
    SearchState s =
        evaluate(
            List.of(Rules.exactlyOne(), atLeastOneTrue),
            FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE);

    assertThat(s.inconsistency()).isEqualTo(5);
  }

  @Test
  void inconsistency_ignoresUnlabelledExamplesAndPairsAcrossGroups() {
    // atMostOne only: q1-a True and q2-a True are in different groups -> 0;
    // q1-b unlabelled next to a True q1-a -> 0; so I = 0
    SearchState s =
        evaluate(
            List.of(Rules.atMostOne()),
            TRUE, NONE, FALSE, NONE,
            TRUE, NONE, NONE,
            TRUE);

    assertThat(s.inconsistency()).isZero();
    assertThat(s.labelledCount()).isEqualTo(4);
  }
}
