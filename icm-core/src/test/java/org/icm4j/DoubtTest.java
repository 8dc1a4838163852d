package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.eval.Evaluation;
import org.icm4j.result.AlternativeLabeling;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IcmWarning;
import org.icm4j.result.LabelSuggestion;
import org.icm4j.testing.ArithmeticWorld;
import org.icm4j.testing.MajorityScorer;
import org.icm4j.testing.OptimumStudy;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Doubt about the concept: the competing-concept world (a second concept that obeys the same rule,
 * from clearly less to more salient than the intended one), the worlds whose answer is unique, a
 * collapse to one label, a suspect trusted label, and what to label next.
 */
class DoubtTest {
  private static final int GROUPS = 16;
  private static final int SEEDS = 10;

  private static Icm.Builder builder(PlantedWorld w, long seed) {
    return Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).seed(seed);
  }

  private static boolean warns(IcmResult r, IcmWarning.Kind kind) {
    return r.warnings().stream().anyMatch(x -> x.kind() == kind);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.5, 0.75, 1.0, 1.25, 1.5, 2.0})
  void everyRunThatEndsAwayFromTheIntendedConcept_warnsOfTheCompetingLabeling(double ratio) {
    int away = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.competing(GROUPS, ratio, seed));
      IcmResult r = builder(w, seed).build().run(w.examples());
      double truth = Evaluation.agreement(r.labels(), w.gold());
      if (truth < 0.95) {
        away++;
        assertThat(warns(r, IcmWarning.Kind.COMPETING_LABELING))
            .as("ratio %s seed %s: agreement %s, warnings %s", ratio, seed, truth, r.warnings())
            .isTrue();
        BatchSummary b = r.batches().get(0);
        assertThat(b.alternatives()).isNotEmpty();
        // the intended concept is among the alternatives the result carries
        assertThat(b.alternatives())
            .anySatisfy(a -> assertThat(agreementOf(a, b, w)).isGreaterThanOrEqualTo(0.95));
      }
    }
    if (ratio >= 1.25) {
      assertThat(away).as("the more salient concept wins").isEqualTo(SEEDS);
    }
    if (ratio <= 0.5) {
      assertThat(away).isZero();
    }
  }

  private static double agreementOf(AlternativeLabeling a, BatchSummary b, PlantedWorld w) {
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < b.exampleIds().size(); i++) {
      labels.put(b.exampleIds().get(i), a.labels().get(i));
    }
    return Evaluation.agreement(Labeling.of(LabelSpace.binary(), labels), w.gold());
  }

  @Test
  void worldsWithAUniqueAnswer_raiseNoAlarm() {
    List<String> alarms = new ArrayList<>();
    for (boolean rules : new boolean[] {true, false}) {
      for (int s = 0; s < 10; s++) {
        PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(64, 1000 + s));
        Icm.Builder b = Icm.builder().scorer(w.scorer()).seed(s);
        if (rules) {
          b.rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"));
        }
        collectAlarms("planted rules=" + rules + " seed " + s, b.build().run(w.examples()), alarms);
      }
    }
    int i = 0;
    for (OptimumStudy.Instance in : OptimumStudy.instances(200, 2025)) {
      collectAlarms("optimum " + i++, OptimumStudy.builder(in).build().run(in.world().examples()), alarms);
    }
    for (long seed = 1; seed <= 5; seed++) {
      ArithmeticWorld world = ArithmeticWorld.newcomer(seed);
      collectAlarms(
          "arithmetic " + seed,
          Icm.builder().scorer(world.scorer()).rule(ArithmeticWorld.differentAnswersNotBothTrue())
              .rule(ArithmeticWorld.someAnswerTrue()).seed(seed).build().run(world.examples()),
          alarms);
    }
    assertThat(alarms).isEmpty();
  }

  private static void collectAlarms(String what, IcmResult r, List<String> alarms) {
    for (IcmWarning x : r.warnings()) {
      if (x.kind() == IcmWarning.Kind.COMPETING_LABELING || x.kind() == IcmWarning.Kind.ONE_LABEL) {
        alarms.add(what + ": " + x);
      }
    }
  }

  @Test
  void aCollapseToOneLabel_warns() {
    // the new user: three labels, tickets as groups, a learner that predicts whatever its
    // context holds most, no rule that excludes one label for all
    LabelSpace space = LabelSpace.of("helpful", "unhelpful", "harmful");
    List<Example> replies = new ArrayList<>();
    for (int t = 0; t < 20; t++) {
      for (int r = 0; r < 3; r++) {
        replies.add(Example.of(String.format("t%02d/r%d", t, r), "Ticket " + t + ", reply " + r + ". The reply is", "t" + t));
      }
    }
    IcmResult result =
        Icm.builder().scorer(new MajorityScorer()).labelSpace(space).seed(1).build().run(replies);

    assertThat(result.labels().asMap().values().stream().distinct().count()).isEqualTo(1);
    assertThat(result.warnings())
        .filteredOn(x -> x.kind() == IcmWarning.Kind.ONE_LABEL)
        .singleElement()
        .satisfies(x -> assertThat(x.message()).contains("60 of the batch's 60 labels are", "trusted labels"));
  }

  @Test
  void aTrustedLabelTheRestContradicts_isSuspect() {
    PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(16, 7));
    Example victim = w.examples().get(5);
    String wrong = w.gold().label(victim.id()).orElseThrow().equals("True") ? "False" : "True";
    Labeling trusted = Labeling.of(LabelSpace.binary(), Map.of(victim.id(), wrong));
    // without rules, so that the trusted label does not also force its group-mates
    IcmResult r = Icm.builder().scorer(w.scorer()).seed(3).trustedLabels(trusted).build().run(w.examples());

    assertThat(r.labels().label(victim.id())).contains(wrong);
    assertThat(r.warnings())
        .filteredOn(x -> x.kind() == IcmWarning.Kind.SUSPECT_TRUSTED_LABEL)
        .singleElement()
        .satisfies(x -> assertThat(x.message()).contains("'" + victim.id() + "' = '" + wrong + "'"));
    // a right trusted label raises no such warning
    IcmResult right =
        Icm.builder().scorer(w.scorer()).seed(3)
            .trustedLabels(Labeling.of(LabelSpace.binary(), Map.of(victim.id(), w.gold().label(victim.id()).orElseThrow())))
            .build().run(w.examples());
    assertThat(warns(right, IcmWarning.Kind.SUSPECT_TRUSTED_LABEL)).isFalse();
  }

  @Test
  void labellingTheTopEightSuggestions_andRunningAgain_reachesTheIntendedConcept_atEqualSalience() {
    int reached = 0;
    List<String> outcomes = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.competing(GROUPS, 1.0, seed));
      IcmResult first = builder(w, seed).build().run(w.examples());
      Map<String, String> given = new HashMap<>();
      for (LabelSuggestion s : first.suggestions().subList(0, Math.min(8, first.suggestions().size()))) {
        given.put(s.exampleId(), w.gold().label(s.exampleId()).orElseThrow()); // as a person would
      }
      Labeling trusted = Labeling.of(LabelSpace.binary(), given);
      IcmResult second = builder(w, seed).trustedLabels(trusted).build().run(w.examples());
      double agreement = Evaluation.agreement(second.labels(), w.gold(), trusted);
      outcomes.add(seed + ": " + given.size() + " labels, " + agreement);
      reached += agreement >= 0.95 ? 1 : 0;
    }
    assertThat(reached).as("seeds at >= 0.95: %s", outcomes).isGreaterThanOrEqualTo(9);
  }
}
