package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.eval.Evaluation;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.LabelSource;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trusted labels: what is refused at once, what the result says, what checkpoints remember. */
class TrustedLabelsTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(8, 3));

  @TempDir Path dir;

  private static Icm.Builder builder() {
    return Icm.builder().scorer(WORLD.scorer()).rule(Rules.exactlyOne()).seed(5);
  }

  private static Labeling labels(Map<String, String> m) {
    return Labeling.of(LabelSpace.binary(), m);
  }

  @Test
  void aSecondLabelForTheSameExample_isRefusedAtOnce_namingIt() {
    Icm.Builder b = builder().trustedLabels(labels(Map.of("q0001-c2", "True")));
    assertThatThrownBy(() -> b.trustedLabels(labels(Map.of("q0001-c2", "False"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "example 'q0001-c2' was already given the trusted label 'True', now 'False': trusted labels"
                + " must not contradict each other; give each example one label");
    // the same label again is fine
    b.trustedLabels(labels(Map.of("q0001-c2", "True")));
  }

  @Test
  void trustedLabelsOfAnotherLabelSpace_failTheBuild_namingBothSpaces() {
    Labeling other = Labeling.of(LabelSpace.of("yes", "no"), Map.of("q0001-c2", "yes"));
    assertThatThrownBy(() -> builder().trustedLabels(other).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the trusted labels are in the label space [yes, no], but the run's label space is [True, False]");
  }

  @Test
  void aTrustedLabelOfAnUnknownExample_failsTheRunBeforeAnyScorerCall_namingIt() {
    Icm icm = builder().trustedLabels(labels(Map.of("q0001-c2", "True", "nope", "False"))).build();
    assertThatThrownBy(() -> icm.run(WORLD.examples()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "1 trusted label names an example that the data set lacks: 'nope': give trusted labels only"
                + " for examples passed to run (ids are case-sensitive)");
  }

  @Test
  void trustedLabelsThatBreakARule_failTheRun_namingTheGroupTheLabelsAndTheRule() {
    Icm icm = builder().trustedLabels(labels(Map.of("q0002-c0", "True", "q0002-c3", "True"))).build();
    assertThatThrownBy(() -> icm.run(WORLD.examples()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the trusted labels of group 'q0002' (q0002-c0=True, q0002-c3=True) break the rule"
                + " 'exactlyOne': every labeling of the group that keeps them breaks it, while"
                + " the group can be labelled without breaking it; correct or drop one of these trusted"
                + " labels");
    // four Falses break "exactly one True" too, once every member is trusted
    Map<String, String> allFalse = new HashMap<>();
    for (int c = 0; c < 4; c++) {
      allFalse.put("q0002-c" + c, "False");
    }
    assertThatThrownBy(() -> builder().trustedLabels(labels(allFalse)).build().run(WORLD.examples()))
        .hasMessageContaining("the trusted labels of group 'q0002'");
  }

  @Test
  void theResultMarksTrustedLabels_keepsThem_andReportsAgreementOnTheOthers() {
    String id = "q0003-c1";
    String wrong = WORLD.gold().label(id).orElseThrow().equals("True") ? "False" : "True";
    Labeling trusted = labels(Map.of(id, wrong));
    IcmResult r = builder().trustedLabels(trusted).build().run(WORLD.examples());

    assertThat(r.labels().label(id)).contains(wrong);
    assertThat(r.detail(id).orElseThrow().source()).isEqualTo(LabelSource.TRUSTED);
    assertThat(r.details()).filteredOn(d -> d.source() == LabelSource.TRUSTED).hasSize(1);
    assertThat(r.batches().get(0).trusted()).isEqualTo(1);
    assertThat(r.provenance().configuration()).containsKey("trustedLabels");
    assertThat(r.provenance().configuration().get("trustedLabels")).startsWith("1 (sha256 ");
    // the trusted example is left out of the agreement: the run only kept what it was told
    double withIt = Evaluation.agreement(r.labels(), WORLD.gold());
    double without = Evaluation.agreement(r.labels(), WORLD.gold(), trusted);
    assertThat(without).isGreaterThan(withIt);
  }

  @Test
  void aCheckpointOfAnotherSetOfTrustedLabels_isRejected_sayingWhatDiffers() {
    Path file = dir.resolve("run.ckpt");
    builder().trustedLabels(labels(Map.of("q0001-c2", "True"))).checkpoint(file, 5).build().run(WORLD.examples());
    Icm other = builder().trustedLabels(labels(Map.of("q0001-c1", "True"))).checkpoint(file, 5).build();
    assertThatThrownBy(() -> other.run(WORLD.examples()))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("setting 'trustedLabels'");
    // the same trusted labels resume (here: return the finished run)
    IcmResult again =
        builder().trustedLabels(labels(Map.of("q0001-c2", "True"))).checkpoint(file, 5).build().run(WORLD.examples());
    assertThat(again.labels().label("q0001-c2")).contains("True");
  }

  @Test
  void batchesSpreadTheGroupsThatHoldTrustedLabels() {
    PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(32, 9));
    Map<String, String> given = new HashMap<>();
    for (int g = 0; g < 8; g++) {
      String id = String.format("q%04d-c0", g); // eight groups in a row: the shuffle alone would clump some
      given.put(id, w.gold().label(id).orElseThrow());
    }
    IcmResult r =
        Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).seed(2).batchSize(32)
            .trustedLabels(labels(given)).build().run(w.examples());
    List<BatchSummary> batches = r.batches();
    assertThat(batches).hasSize(4);
    assertThat(batches).allSatisfy(b -> assertThat(b.trusted()).isEqualTo(2));
  }
}
