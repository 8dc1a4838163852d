package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.djl.train.Corpus;
import org.junit.jupiter.api.Test;

class SyntheticWorldTest {
  private static final SyntheticWorld WORLD = SyntheticWorld.defaultWorld(1);

  @Test
  void value_ofAnUnknownRelation_isRejectedNamingIt() {
    assertThat(WORLD.value("colour", 0)).isNotBlank();
    assertThatThrownBy(() -> WORLD.value("size", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown relation 'size': the world's relations are [colour, home]");
  }

  @Test
  void sameSeed_sameWorldDocumentsAndTasks() {
    SyntheticWorld again = SyntheticWorld.defaultWorld(1);
    assertThat(again.document(new SplittableRandom(5), SyntheticWorld.Mixture.PHASE_1)).isEqualTo(WORLD.document(new SplittableRandom(5), SyntheticWorld.Mixture.PHASE_1));
    assertThat(again.truthTask(20, 3).examples()).isEqualTo(WORLD.truthTask(20, 3).examples());
    // another world has other facts: the same questions get other candidate values
    assertThat(SyntheticWorld.defaultWorld(2).truthTask(20, 3).examples())
        .isNotEqualTo(WORLD.truthTask(20, 3).examples());
  }

  @Test
  void truthTask_hasExactlyOneTrueClaimPerQuestion_andNoGoldInTheExamples() {
    ClaimSet task = WORLD.truthTask(96, 7);
    assertThat(task.size()).isEqualTo(96 * SyntheticWorld.CANDIDATES);
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
  void bothRelationRules_labelAboutHalfTheClaimsTrue_soTheShareDoesNotRevealTheRule() {
    SplittableRandom rng = new SplittableRandom(11);
    List<SyntheticWorld.RelationRule> rules = List.of(WORLD.truth(), WORLD.valueSetRule());
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
      assertThat(share).isBetween(0.42, 0.58);
      if (rule != rules.get(0)) {
        // the surface rule breaks "exactly one True per question" in about half of the questions
        assertThat((double) groupsNotExactlyOne / groups).isBetween(0.35, 0.65);
      } else {
        assertThat(groupsNotExactlyOne).isZero();
      }
    }
  }

  @Test
  void labelledDocuments_followTheirRule_surfaceLabelsWithTheStatedNoise() {
    SplittableRandom rng = new SplittableRandom(21);
    int surfaceLines = 0;
    int surfaceFlipped = 0;
    int truthDocs = 0;
    int docs = 0;
    int headed = 0;
    for (int i = 0; i < 3000; i++) {
      String doc = WORLD.relationDocument(rng, 10, SyntheticWorld.Mixture.PHASE_1);
      List<String> lines = new java.util.ArrayList<>(List.of(doc.split("\n")));
      String header = lines.get(0).startsWith("@") ? lines.remove(0) : null;
      headed += header == null ? 0 : 1;
      int truthAgree = 0;
      int setAgree = 0;
      for (String line : lines) {
        String[] w = line.split(" ");
        int e = Integer.parseInt(w[0].substring(1));
        boolean label = w[4].equals("True");
        truthAgree += WORLD.truth().label(e, w[1], w[2]) == label ? 1 : 0;
        setAgree += WORLD.valueSetRule().label(e, w[1], w[2]) == label ? 1 : 0;
      }
      docs++;
      if (header == null) {
        continue;
      }
      if (header.equals(SyntheticWorld.TRUTH_HEADER)) {
        truthDocs++;
        assertThat(truthAgree).isEqualTo(lines.size());
      } else {
        assertThat(header).isEqualTo(SyntheticWorld.SURFACE_HEADER);
        surfaceLines += lines.size();
        surfaceFlipped += lines.size() - setAgree;
      }
    }
    assertThat((double) truthDocs / headed).isCloseTo(SyntheticWorld.TRUTH_SHARE, within(0.04));
    assertThat((double) surfaceFlipped / surfaceLines).isCloseTo(SyntheticWorld.SURFACE_NOISE, within(0.01));
    assertThat((double) headed / docs).isCloseTo(0.5, within(0.03));
  }

  @Test
  void rateCue_givesSurfaceDocumentsATrueShareOfAThirdOrTwoThirds_andTruthDocumentsKeepHalf() {
    SyntheticWorld.Mixture cued = SyntheticWorld.Mixture.PHASE_3.withRateCue(1.0).withHeaderShare(1.0);
    SplittableRandom rng = new SplittableRandom(31);
    Map<String, int[]> counts = new HashMap<>(); // header -> {True labels, lines}
    for (int i = 0; i < 3000; i++) {
      List<String> lines = List.of(WORLD.relationDocument(rng, 10, cued).split("\n"));
      int[] c = counts.computeIfAbsent(lines.get(0), k -> new int[2]);
      for (String line : lines.subList(1, lines.size())) {
        c[0] += line.endsWith("True") ? 1 : 0;
        c[1]++;
      }
    }
    assertThat(counts).containsOnlyKeys(SyntheticWorld.TRUTH_HEADER, SyntheticWorld.SURFACE_HEADER);
    int[] truth = counts.get(SyntheticWorld.TRUTH_HEADER);
    assertThat((double) truth[0] / truth[1]).isCloseTo(0.5, within(0.01));
    // with every surface document cued, half use 2 of 6 values (1/3 True after 10% noise: 0.367)
    // and half 4 of 6 (0.633): the mean stays near 1/2, so per-document shares are what differ
    SplittableRandom again = new SplittableRandom(32);
    int low = 0;
    int high = 0;
    int surfaceDocs = 0;
    for (int i = 0; i < 2000; i++) {
      List<String> lines = List.of(WORLD.relationDocument(again, 20, cued).split("\n"));
      if (!lines.get(0).equals(SyntheticWorld.SURFACE_HEADER)) {
        continue;
      }
      double share = lines.stream().skip(1).filter(l -> l.endsWith("True")).count() / 40.0;
      low += share < 0.45 ? 1 : 0;
      high += share > 0.55 ? 1 : 0;
      surfaceDocs++;
    }
    assertThat((double) low / surfaceDocs).isBetween(0.35, 0.6);
    assertThat((double) high / surfaceDocs).isBetween(0.35, 0.6);
    // without the cue the phases draw the same documents as before it existed
    assertThat(SyntheticWorld.Mixture.PHASE_3.withRateCue(0)).isEqualTo(SyntheticWorld.Mixture.PHASE_3);
  }

  @Test
  void gradedDocuments_markEachLabelTrueExactlyWhenItAgreesWithTruth() {
    SyntheticWorld.Mixture graded = SyntheticWorld.Mixture.PHASE_3.withGraded(1.0);
    SplittableRandom rng = new SplittableRandom(41);
    int wrong = 0;
    int lines = 0;
    for (int i = 0; i < 500; i++) {
      for (String line : WORLD.relationDocument(rng, 10, graded).split("\n")) {
        if (line.startsWith("@")) {
          continue;
        }
        String[] w = line.split(" ");
        assertThat(w).as(line).hasSize(6);
        boolean label = w[4].equals("True");
        boolean truth = WORLD.truth().label(Integer.parseInt(w[0].substring(1)), w[1], w[2]);
        assertThat(w[5]).as(line).isEqualTo(label == truth ? "True" : "False");
        wrong += label == truth ? 0 : 1;
        lines++;
      }
    }
    // surface-rule documents (60%) disagree with truth on about half of their lines
    assertThat((double) wrong / lines).isBetween(0.2, 0.4);
    // ungraded mixtures write no grade
    for (String line : WORLD.relationDocument(new SplittableRandom(42), 10, SyntheticWorld.Mixture.PHASE_3).split("\n")) {
      assertThat(line.split(" ").length).as(line).isIn(1, 5);
    }
  }

  @Test
  void gradedComparisons_markEachLabelTrueExactlyWhenItAgreesWithTheSizes() {
    SyntheticWorld.Mixture graded = SyntheticWorld.Mixture.PHASE_3.withGradedComparisons(1.0);
    SplittableRandom rng = new SplittableRandom(43);
    int wrong = 0;
    int lines = 0;
    for (int i = 0; i < 500; i++) {
      for (String line : WORLD.comparisonDocument(rng, 6, graded).split("\n")) {
        if (line.startsWith("@")) {
          continue;
        }
        // "e3 bigger e7 : True False"
        String[] w = line.split(" ");
        assertThat(w).as(line).hasSize(6);
        boolean label = w[4].equals("True");
        boolean bigger = WORLD.bigger(Integer.parseInt(w[0].substring(1)), Integer.parseInt(w[2].substring(1)));
        assertThat(w[5]).as(line).isEqualTo(label == bigger ? "True" : "False");
        wrong += label == bigger ? 0 : 1;
        lines++;
      }
    }
    // surface-rule documents (60%) disagree with the sizes on about half of their lines
    assertThat((double) wrong / lines).isBetween(0.2, 0.4);
    // relation documents and ungraded comparison documents write no grade
    for (String line : WORLD.comparisonDocument(new SplittableRandom(44), 6, SyntheticWorld.Mixture.PHASE_3).split("\n")) {
      assertThat(line.split(" ").length).as(line).isIn(1, 5);
    }
    for (String line : WORLD.relationDocument(new SplittableRandom(45), 10, graded).split("\n")) {
      assertThat(line.split(" ").length).as(line).isIn(1, 5);
    }
  }

  @Test
  void mixtureOptions_changeOnlyTheirShare() {
    SyntheticWorld.Mixture m = SyntheticWorld.Mixture.PHASE_3.withComparison(0.4).withGradedComparisons(0.3);
    assertThat(m.comparison()).isEqualTo(0.4);
    assertThat(m.gradedComparisons()).isEqualTo(0.3);
    assertThat(m.withComparison(SyntheticWorld.Mixture.PHASE_3.comparison()).withGradedComparisons(0))
        .isEqualTo(SyntheticWorld.Mixture.PHASE_3);
  }

  @Test
  void informativeDocuments_holdOnlyClaimsOnWhichTruthAndTheSurfaceRuleDisagree() {
    SyntheticWorld.Mixture informative = SyntheticWorld.Mixture.PHASE_3.withInformative(1.0).withHeaderShare(0);
    SplittableRandom rng = new SplittableRandom(51);
    int lines = 0;
    for (int i = 0; i < 300; i++) {
      for (String line : WORLD.relationDocument(rng, 10, informative).split("\n")) {
        if (line.isEmpty()) {
          continue;
        }
        String[] w = line.split(" ");
        int e = Integer.parseInt(w[0].substring(1));
        assertThat(WORLD.truth().label(e, w[1], w[2])).as(line).isNotEqualTo(WORLD.valueSetRule().label(e, w[1], w[2]));
        lines++;
      }
    }
    // about half of the candidate claims are kept (10 questions x 2 candidates per document)
    assertThat((double) lines / (300 * 20)).isBetween(0.35, 0.65);
  }

  @Test
  void controlConcept_differsFromEveryTrainingRule_onTheTaskClaims() {
    ClaimSet control = WORLD.controlTask(96, 7);
    ClaimSet truth = WORLD.truthTask(96, 7);
    assertThat(control.examples()).hasSameSizeAs(truth.examples());
    for (SyntheticWorld.RelationRule rule : List.of(WORLD.valueSetRule(), WORLD.truth())) {
      int same = 0;
      for (Example e : control.examples()) {
        String[] w = e.prompt().split(" ");
        boolean label = rule.label(Integer.parseInt(w[0].substring(1)), w[1], w[2]);
        same += (label ? "True" : "False").equals(control.gold().label(e.id()).orElseThrow()) ? 1 : 0;
      }
      // neither the rule nor its negation: agreement far from 0 and from 1
      assertThat((double) same / control.size()).as("agreement with %s", rule).isBetween(0.2, 0.8);
    }
    // both candidates of a question share the control label, so truth (one True per question)
    // agrees with it on exactly half of the claims
    int same = 0;
    for (Example e : control.examples()) {
      same += control.gold().label(e.id()).equals(truth.gold().label(truth.examples().get(control.examples().indexOf(e)).id())) ? 1 : 0;
    }
    assertThat(2 * same).isEqualTo(control.size());
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
      for (long id : tok.encode(WORLD.document(rng, SyntheticWorld.Mixture.PHASE_2))) {
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
