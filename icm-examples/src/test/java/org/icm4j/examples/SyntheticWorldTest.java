package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.djl.TextTokenizer;
import org.junit.jupiter.api.Test;

class SyntheticWorldTest {
  private static final SyntheticWorld WORLD = SyntheticWorld.defaultWorld(1);

  @Test
  void sameSeed_sameWorldDocumentsAndTasks() {
    SyntheticWorld again = SyntheticWorld.defaultWorld(1);
    assertThat(again.document(new SplittableRandom(5))).isEqualTo(WORLD.document(new SplittableRandom(5)));
    assertThat(again.truthTask(20, 3).examples()).isEqualTo(WORLD.truthTask(20, 3).examples());
    // another world has other facts: the same questions get other candidate values
    assertThat(SyntheticWorld.defaultWorld(2).truthTask(20, 3).examples())
        .isNotEqualTo(WORLD.truthTask(20, 3).examples());
  }

  @Test
  void truthTask_hasExactlyOneTrueClaimPerQuestion_andNoGoldInTheExamples() {
    ClaimSet task = WORLD.truthTask(96, 7);
    assertThat(task.size()).isEqualTo(288);
    Map<String, Integer> trues = new HashMap<>();
    for (Example e : task.examples()) {
      assertThat(e.attributes()).isEmpty();
      assertThat(e.prompt()).doesNotContain("True").doesNotContain("False");
      if (task.gold().label(e.id()).orElseThrow().equals("True")) {
        trues.merge(e.group(), 1, Integer::sum);
      }
    }
    assertThat(trues).hasSize(96);
    assertThat(trues.values()).containsOnly(1);
  }

  @Test
  void everyRelationRule_labelsAboutAThirdOfTheClaimsTrue_soTheShareDoesNotRevealTheRule() {
    SplittableRandom rng = new SplittableRandom(11);
    List<SyntheticWorld.RelationRule> rules =
        List.of(WORLD.truth(), WORLD.valueSetRule(0), WORLD.valueSetRule(1), WORLD.valueSetRule(2));
    for (SyntheticWorld.RelationRule rule : rules) {
      int trueCount = 0;
      int total = 0;
      int groupsNotExactlyOne = 0;
      int groups = 3000;
      for (int g = 0; g < groups; g++) {
        int e = rng.nextInt(SyntheticWorld.ENTITIES);
        String r = SyntheticWorld.RELATIONS.get(rng.nextInt(2));
        int inGroup = 0;
        for (String v : WORLD.candidates(e, r, rng)) {
          boolean t = rule.label(e, r, v);
          trueCount += t ? 1 : 0;
          inGroup += t ? 1 : 0;
          total++;
        }
        groupsNotExactlyOne += inGroup == 1 ? 0 : 1;
      }
      double share = (double) trueCount / total;
      assertThat(share).isBetween(0.28, 0.39);
      if (rule != rules.get(0)) {
        // surface rules break "exactly one True per question" in a large share of groups
        assertThat((double) groupsNotExactlyOne / groups).isBetween(0.25, 0.6);
      } else {
        assertThat(groupsNotExactlyOne).isZero();
      }
    }
  }

  @Test
  void controlConcept_differsFromEveryTrainingRule_onTheTaskClaims() {
    ClaimSet control = WORLD.controlTask(96, 7);
    ClaimSet truth = WORLD.truthTask(96, 7);
    assertThat(control.examples()).hasSameSizeAs(truth.examples());
    for (int k = 0; k < 3; k++) {
      SyntheticWorld.RelationRule rule = WORLD.valueSetRule(k);
      int same = 0;
      for (Example e : control.examples()) {
        String[] w = e.prompt().split(" ");
        boolean label = rule.label(Integer.parseInt(w[0].substring(1)), w[1], w[2]);
        same += (label ? "True" : "False").equals(control.gold().label(e.id()).orElseThrow()) ? 1 : 0;
      }
      assertThat((double) same / control.size()).as("agreement with value-set rule %s", k).isLessThan(0.9);
    }
  }

  @Test
  void comparisonTask_labelsExactlyOneOrderOfEachPairTrue() {
    ClaimSet task = WORLD.comparisonTask(50, 3);
    assertThat(task.size()).isEqualTo(100);
    Map<String, Integer> trues = new HashMap<>();
    for (Example e : task.examples()) {
      trues.merge(e.group(), task.gold().label(e.id()).orElseThrow().equals("True") ? 1 : 0, Integer::sum);
    }
    assertThat(trues).hasSize(50);
    assertThat(trues.values()).containsOnly(1);
  }

  @Test
  void tokenizer_encodesEveryDocument_andLabelsTokenizeTheSameInContext() {
    TextTokenizer tok = WORLD.tokenizer();
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 200; i++) {
      for (long id : tok.encode(WORLD.document(rng))) {
        assertThat(id).isBetween(0L, (long) WORLD.vocabulary().size() - 1);
      }
    }
    String prompt = WORLD.truthTask(1, 1).examples().get(0).prompt();
    long[] alone = tok.encode(prompt);
    long[] joint = tok.encode(prompt + " True\n");
    assertThat(joint).hasSize(alone.length + 2);
    assertThat(tok.encode(" True")).hasSize(1);
    assertThatThrownBy(() -> tok.encode("purple"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("purple");
  }

  @Test
  void corpusWindows_areDeterministicAndInVocabulary() {
    Corpus c = WORLD.corpus();
    long[] a = c.window(new SplittableRandom(9), 300);
    long[] b = c.window(new SplittableRandom(9), 300);
    assertThat(a).hasSize(300).isEqualTo(b);
    assertThat(c.vocabularySize()).isEqualTo(WORLD.vocabulary().size());
    assertThat(Set.of(WORLD.vocabulary().toArray())).hasSize(WORLD.vocabulary().size());
  }
}
