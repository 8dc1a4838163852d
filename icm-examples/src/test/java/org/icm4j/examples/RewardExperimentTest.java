package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.Labeling;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.train.BradleyTerryTrainer;
import org.icm4j.djl.train.Choice;
import org.icm4j.djl.train.ChoiceQuestion;
import org.icm4j.djl.train.PolicyGradientOptions;
import org.icm4j.examples.RewardExperiment.Claims;
import org.icm4j.examples.RewardExperiment.Outcome;
import org.icm4j.examples.RewardExperiment.Settings;
import org.icm4j.examples.RewardExperiment.Track;
import org.junit.jupiter.api.Test;

/**
 * The reward-model experiment: its claims and measures, and a quick variant of the whole pipeline
 * (ICM, reward models, best-of-n, REINFORCE) on the truth track with the embedded model.
 */
class RewardExperimentTest {
  private static final SyntheticWorld WORLD = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);

  private static Settings settings(long seed, List<Track> tracks, int truthHeldOut, int truthPool, int batch) {
    return new Settings(
        seed, tracks, truthHeldOut, truthPool, 96, 64, batch, 50, SearchChoice.Value.multiStart(4),
        BradleyTerryTrainer.Builder.defaultOptions().withMaxEpochs(8).withBatchSize(4).withValidation(0.25, 2),
        PolicyGradientOptions.defaults().withSteps(20).withQuestionsPerStep(8), 4);
  }

  @Test
  void truthClaims_holdOutWholeQuestions_andAskEveryValue() {
    Claims c = RewardExperiment.truthClaims(WORLD, settings(3, List.of(Track.TRUTH), 32, 64, 32));
    assertThat(c.pool()).hasSize(128);
    assertThat(c.heldOutClaims()).hasSize(32 * 6);
    assertThat(c.train()).hasSize(64);
    assertThat(c.test()).hasSize(32);
    Set<String> pool = new HashSet<>();
    for (Example e : c.pool()) {
      String[] w = e.prompt().split(" ");
      pool.add(w[0] + " " + w[1]);
    }
    assertThat(pool).hasSize(64);
    for (ChoiceQuestion q : c.test()) {
      assertThat(pool).as(q.prompt()).doesNotContain(q.prompt());
      assertThat(q.choices()).hasSize(6);
      assertThat(q.choices().stream().filter(ch -> c.truth().get(ch.claim().id())).count()).isEqualTo(1);
      for (Choice ch : q.choices()) {
        assertThat(ch.claim().prompt()).isEqualTo(q.prompt() + ch.text() + " :");
      }
    }
    for (int i = 0; i < c.pool().size(); i += 2) {
      assertThat(c.poolGold().label(c.pool().get(i).id())).isNotEqualTo(c.poolGold().label(c.pool().get(i + 1).id()));
    }
  }

  @Test
  void comparisonClaims_labelTheControlOnlyWhereExactlyOneEntityIsInItsHalf() {
    Claims c = RewardExperiment.comparisonClaims(WORLD, settings(3, List.of(Track.COMPARISON), 8, 8, 32));
    assertThat(c.pool()).hasSize(128);
    assertThat(c.heldOutClaims()).hasSize(192);
    SyntheticWorld.RelationRule control = WORLD.controlRule();
    int preferences = 0;
    for (Example e : c.heldOutClaims()) {
      String[] w = e.prompt().split(" ");
      int a = Integer.parseInt(w[0].substring(1));
      int b = Integer.parseInt(w[2].substring(1));
      assertThat(c.heldOutGold().label(e.id())).contains(WORLD.bigger(a, b) ? "True" : "False");
      boolean ca = control.label(a, "", "");
      boolean cb = control.label(b, "", "");
      if (ca == cb) {
        assertThat(c.heldOutControl().label(e.id())).isEmpty();
      } else {
        assertThat(c.heldOutControl().label(e.id())).contains(ca ? "True" : "False");
        preferences++;
      }
    }
    // about half of the pairs have exactly one entity of the control half
    assertThat(preferences / 2).isBetween(96 / 4, 3 * 96 / 4);
  }

  @Test
  void randomLabels_putOneTruePerQuestion() {
    Claims c = RewardExperiment.truthClaims(WORLD, settings(5, List.of(Track.TRUTH), 8, 40, 32));
    Labeling random = RewardExperiment.randomLabels(c.pool(), 5);
    Map<String, Integer> trues = new HashMap<>();
    for (Example e : c.pool()) {
      trues.merge(e.group(), random.label(e.id()).orElseThrow().equals("True") ? 1 : 0, Integer::sum);
    }
    assertThat(trues.values()).containsOnly(1);
    assertThat(RewardExperiment.randomLabels(c.pool(), 5)).isEqualTo(random);
  }

  @Test
  void headToHead_countsATieAsHalf() {
    // question 1: a right for sure, b never: a wins; question 2: both right half the time
    assertThat(RewardExperiment.headToHead(new double[] {1, 0.5}, new double[] {0, 0.5}))
        .isCloseTo((1 + 0.5) / 2, within(1e-12));
    assertThat(RewardExperiment.headToHead(new double[] {0.9, 0.2}, new double[] {0.9, 0.2})).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void quickRun_icmsRewardModelAndPolicyMatchGoldsAndBeatTheUntrainedOnes() throws Exception {
    Settings s = settings(2, List.of(Track.TRUTH), 16, 12, 24);
    try (DemoCommand.Model model = DemoCommand.Model.open(null, null, WORLD);
        DjlScorer scorer = model.scorer()) {
      Outcome o = RewardExperiment.run(WORLD, Track.TRUTH, (BlockLm) model.lm(), scorer, s, (done, what) -> {});
      System.out.printf("quick run: ICM agreement %.3f; RM held-out: untrained %.3f, ICM %.3f, gold %.3f, random %.3f;"
              + " policy: untrained %.3f, best-of-4 ICM %.3f, RL ICM %.3f, RL gold %.3f; ICM vs gold %.3f%n",
          o.icmAgreement(), o.base().heldOut(), o.icmRm().heldOut(), o.goldRm().heldOut(), o.randomRm().heldOut(),
          o.untrained().accuracy(), o.bestOfNIcm().accuracy(), o.rlIcm().accuracy(), o.rlGold().accuracy(), o.icmVsGold());

      assertThat(o.icmAgreement()).as("ICM's agreement with gold on 24 claims").isGreaterThanOrEqualTo(0.9);
      assertThat(o.icmRm().heldOut())
          .as("held-out pairwise accuracy of the ICM reward model vs the untrained one (%s)", o.base().heldOut())
          .isGreaterThanOrEqualTo(0.95)
          .isGreaterThan(o.base().heldOut());
      assertThat(o.icmRm().heldOut()).isGreaterThanOrEqualTo(o.goldRm().heldOut() - 0.05);
      assertThat(o.rlIcm().accuracy())
          .as("held-out accuracy of the policy trained with the ICM reward model vs untrained (%s)", o.untrained().accuracy())
          .isGreaterThan(o.untrained().accuracy() + 0.2);
      assertThat(o.bestOfNIcm().accuracy()).isGreaterThan(o.untrained().accuracy() + 0.1);
      assertThat(o.icmVsGold()).isGreaterThanOrEqualTo(0.45);
      assertThat(o.icmVsUntrained()).isGreaterThan(0.6);
      assertThat(o.rlIcm().curve()).isNotEmpty();
    }
  }

  @Test
  void quickRun_humanArmsRunEndToEnd() throws Exception {
    Settings s = settings(2, List.of(Track.TRUTH), 16, 12, 24);
    try (DemoCommand.Model model = DemoCommand.Model.open(null, null, WORLD);
        DjlScorer scorer = model.scorer()) {
      BlockLm lm = (BlockLm) model.lm();
      Outcome o = RewardExperiment.run(WORLD, Track.TRUTH, lm, scorer, s, (done, what) -> {});
      RewardExperiment.HumanArms h = RewardExperiment.humanArms(WORLD, Track.TRUTH, lm, scorer, s, o, 4, (d, w) -> {});
      System.out.printf("quick human arms: annotators %.3f (pairs %d, agreeing %.3f); RM held-out: annotators %.3f,"
              + " ICM + k %.3f, k alone %.3f; RL: annotators %.3f, ICM + k %.3f, k alone %.3f%n",
          h.annotators().accuracy(), h.annotatorRm().trainedOn(), h.annotatorRm().pairAgreement(), h.annotatorRm().heldOut(),
          h.trustedRm().heldOut(), h.kAloneRm().heldOut(), h.rlAnnotators().accuracy(), h.rlTrusted().accuracy(),
          h.rlKAlone().accuracy());
      assertThat(h.annotators().claims()).isEqualTo(24);
      // questions the annotators labelled against the rule give no pair
      assertThat(h.annotatorRm().trainedOn()).isEqualTo(12 - h.annotators().inconsistentQuestions());
      assertThat(h.trusted().labels().labelledCount()).isEqualTo(4);
      assertThat(h.kAloneRm().trainedOn()).isBetween(2, 4);
      assertThat(h.kAloneRm().pairAgreement()).as("pairs from true labels").isEqualTo(1.0);
      assertThat(h.trustedAgreement()).isGreaterThanOrEqualTo(0.9);
      assertThat(h.rlTrusted().accuracy()).isGreaterThan(o.untrained().accuracy() + 0.2);
      String table = RewardCommand.humanTable(List.of(o), List.of(h));
      assertThat(table).contains("| truth (1 seeds) |").contains("win rate: RL ICM vs RL annotators");
    }
  }
}
