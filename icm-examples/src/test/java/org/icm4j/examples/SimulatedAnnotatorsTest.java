package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.examples.SimulatedAnnotators.Annotation;
import org.icm4j.examples.SimulatedAnnotators.Mistake;
import org.icm4j.reward.PreferencePair;
import org.junit.jupiter.api.Test;

/** The simulated annotators: how often they are right, which mistakes they make, and where. */
class SimulatedAnnotatorsTest {
  private static final SyntheticWorld WORLD = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);

  /** Every claim of the fine-tuning experiment's pool and held-out set (832 relation claims). */
  private static List<Example> relationClaims(long seed) {
    FineTuneExperiment.Claims c =
        FineTuneExperiment.claims(
            WORLD,
            new FineTuneExperiment.Settings(seed, 256, 32, 32, 50, SearchChoice.Value.multiStart(4),
                org.icm4j.djl.train.FineTuneOptions.defaults(), false));
    List<Example> all = new ArrayList<>(c.pool());
    all.addAll(c.heldOut());
    return all;
  }

  private static boolean truth(Example e) {
    String[] w = e.prompt().split(" ");
    int a = Integer.parseInt(w[0].substring(1));
    return w[1].equals("bigger")
        ? WORLD.bigger(a, Integer.parseInt(w[2].substring(1)))
        : WORLD.value(w[1], a).equals(w[2]);
  }

  private static boolean cue(Example e) {
    String[] w = e.prompt().split(" ");
    int a = Integer.parseInt(w[0].substring(1));
    return w[1].equals("bigger") ? WORLD.inComparisonSurfaceSet(a) : WORLD.valueSetRule().label(a, w[1], w[2]);
  }

  @Test
  void relationClaims_areRightSixtyToSeventyPercentOfTheTime_andWrongMostlyWhereTheSurfaceCueMisleads() {
    for (long seed = 1; seed <= 3; seed++) {
      List<Example> claims = relationClaims(seed);
      Annotation a = SimulatedAnnotators.of(WORLD, seed).label(claims);
      int right = 0;
      int[] rightByCue = new int[2];
      int[] countByCue = new int[2];
      int falseSaidTrue = 0;
      int trueSaidFalse = 0;
      for (Example e : claims) {
        boolean label = a.labels().label(e.id()).orElseThrow().equals("True");
        boolean t = truth(e);
        int misleads = cue(e) != t ? 1 : 0;
        countByCue[misleads]++;
        if (label == t) {
          right++;
          rightByCue[misleads]++;
        } else if (label) {
          falseSaidTrue++;
        } else {
          trueSaidFalse++;
        }
      }
      double accuracy = (double) right / claims.size();
      System.out.printf(java.util.Locale.ROOT, "relation claims, seed %d: %s; accuracy where the cue misleads %.3f,"
              + " elsewhere %.3f%n", seed, a.report().summary(), (double) rightByCue[1] / countByCue[1],
          (double) rightByCue[0] / countByCue[0]);
      assertThat(a.report().accuracy()).as("seed %s", seed).isEqualTo(accuracy).isBetween(0.60, 0.70);
      assertThat(a.report().claims()).isEqualTo(claims.size());
      double misledAccuracy = (double) rightByCue[1] / countByCue[1];
      double plainAccuracy = (double) rightByCue[0] / countByCue[0];
      assertThat(plainAccuracy - misledAccuracy)
          .as("accuracy where the cue agrees with truth (%s) vs where it misleads (%s)", plainAccuracy, misledAccuracy)
          .isGreaterThan(0.25);
      assertThat(falseSaidTrue).as("yes-bias: more false claims called true than true ones false").isGreaterThan(trueSaidFalse);
      assertThat(a.report().mistakes().values().stream().mapToInt(Integer::intValue).sum())
          .isEqualTo(claims.size() - right);
      assertThat(a.report().mistakes().keySet()).containsExactlyInAnyOrder(Mistake.values());
      assertThat(a.report().inconsistentQuestions()).isBetween(a.report().questions() / 5, a.report().questions() * 3 / 5);
      assertThat(a.report().targets()).hasSize(SimulatedAnnotators.ANNOTATORS).allSatisfy(t -> assertThat(t).isBetween(0.6, 0.7));
    }
  }

  @Test
  void comparisonClaims_areRightSixtyToSeventyPercentOfTheTime() {
    List<Example> claims = WORLD.comparisonTask(SyntheticWorld.ENTITIES * (SyntheticWorld.ENTITIES - 1) / 2, 7).examples();
    Annotation a = SimulatedAnnotators.of(WORLD, 7).label(claims);
    int right = 0;
    for (Example e : claims) {
      right += a.labels().label(e.id()).orElseThrow().equals(truth(e) ? "True" : "False") ? 1 : 0;
    }
    System.out.printf(java.util.Locale.ROOT, "comparison claims, seed 7: %s%n", a.report().summary());
    assertThat((double) right / claims.size()).isEqualTo(a.report().accuracy()).isBetween(0.60, 0.70);
  }

  @Test
  void theSameSeedGivesTheSameLabels_anotherSeedOthers() {
    List<Example> claims = relationClaims(1);
    Labeling one = SimulatedAnnotators.of(WORLD, 1).label(claims).labels();
    assertThat(SimulatedAnnotators.of(WORLD, 1).label(claims).labels()).isEqualTo(one);
    assertThat(SimulatedAnnotators.of(WORLD, 2).label(claims).labels()).isNotEqualTo(one);
    // a claim's label does not depend on the other claims given
    Labeling half = SimulatedAnnotators.of(WORLD, 1).label(claims.subList(0, 100)).labels();
    for (Example e : claims.subList(0, 100)) {
      assertThat(half.label(e.id())).isEqualTo(one.label(e.id()));
    }
  }

  @Test
  void aClaimOfAnotherKind_isRejectedNamingIt() {
    Example odd = new Example("q-1", "what colour is the sky ?", "q", Map.of());
    assertThatThrownBy(() -> SimulatedAnnotators.of(WORLD, 1).label(List.of(odd)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q-1'");
  }

  @Test
  void trustedPairs_preferTheTrueClaimOfEachTrustedQuestion() {
    List<Example> pool =
        List.of(
            new Example("a-0", "e1 colour red :", "a", Map.of()),
            new Example("a-1", "e1 colour blue :", "a", Map.of()),
            new Example("b-0", "e2 home sea :", "b", Map.of()),
            new Example("b-1", "e2 home hill :", "b", Map.of()),
            new Example("c-0", "e3 home sea :", "c", Map.of()),
            new Example("c-1", "e3 home wood :", "c", Map.of()));
    Map<String, String> trusted = new HashMap<>();
    trusted.put("a-1", "False"); // so a-0 is the true one
    trusted.put("b-1", "True");
    List<PreferencePair> pairs =
        TrustedLabelChoice.pairs(pool, Labeling.of(LabelSpace.binary(), trusted), "k trusted");
    assertThat(pairs).hasSize(2);
    assertThat(pairs.get(0).chosen().id()).isEqualTo("a-0");
    assertThat(pairs.get(0).rejected().id()).isEqualTo("a-1");
    assertThat(pairs.get(1).chosen().id()).isEqualTo("b-1");
  }
}
