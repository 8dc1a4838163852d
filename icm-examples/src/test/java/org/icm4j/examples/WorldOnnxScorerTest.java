package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import org.icm4j.djl.DjlScorer;
import org.icm4j.onnx.OnnxScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job with the embedded world model exported to ONNX ({@code fixtures/world-onnx}, by
 * {@code scripts/make-world-onnx.py}) gives the labels of the DJL model it was exported from, a
 * utility within 1e-3, and the same leave-one-out token-forwards (both run the text layer's
 * divide-and-conquer plan with a key/value cache).
 */
class WorldOnnxScorerTest {
  static final Path WORLD_ONNX = Path.of("../fixtures/world-onnx");
  static final SyntheticWorld WORLD = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);

  @Test
  void mainJob_onTheOnnxExport_givesTheDjlLabelsUtilityAndTokenForwards() throws IOException {
    WorldExperiment.Settings settings =
        new WorldExperiment.Settings(
            WorldExperiment.Task.TRUTH, 3, 50, SearchChoice.Value.defaults(), 8, 4, 0);
    WorldExperiment.Outcome djl;
    WorldExperiment.Outcome onnx;
    try (DemoCommand.Model model = DemoCommand.Model.open(null, null, WORLD)) {
      try (DjlScorer scorer = model.scorer()) {
        djl = WorldExperiment.run(WORLD, scorer, settings, (done, run, record, agreement) -> {});
      }
      try (OnnxScorer scorer =
          WorldOnnxScorer.open(WORLD_ONNX, model.tokenizer(), DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER)) {
        onnx = WorldExperiment.run(WORLD, scorer, settings, (done, run, record, agreement) -> {});
      }
    }
    System.out.printf(
        "main job (8 claims): DJL U %.6f, ONNX U %.6f; token-forwards DJL %d, ONNX %d%n",
        djl.icm().result().utility(), onnx.icm().result().utility(),
        djl.icm().result().counts().tokens(), onnx.icm().result().counts().tokens());
    assertThat(onnx.icm().result().labels().asMap()).isEqualTo(djl.icm().result().labels().asMap());
    assertThat(onnx.icmWithoutRules().result().labels().asMap())
        .isEqualTo(djl.icmWithoutRules().result().labels().asMap());
    assertThat(onnx.icm().result().utility()).isCloseTo(djl.icm().result().utility(), within(1e-3));
    assertThat(onnx.icm().result().counts().tokens()).isEqualTo(djl.icm().result().counts().tokens());
    assertThat(onnx.zeroShot()).isEqualTo(djl.zeroShot());
    assertThat(onnx.goldManyShot()).isEqualTo(djl.goldManyShot());
  }

  @Test
  void mainJobOption_runsOnTheOnnxDirectory_andRejectsADirectoryWithoutTheModel(@TempDir Path tmp) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code =
        DemoCommand.execute(
            new java.io.PrintWriter(out), new java.io.PrintWriter(err),
            "--onnx-model", WORLD_ONNX.toString(), "--search", "paper", "--iterations", "4",
            "--chains", "1", "--train-claims", "8", "--test-claims", "4", "--out",
            tmp.resolve("out").toString());
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("scorer: OnnxScorer").contains("| many-shot, ICM labels (test) |");

    err.getBuffer().setLength(0);
    int missing =
        DemoCommand.execute(
            new java.io.PrintWriter(out), new java.io.PrintWriter(err),
            "--onnx-model", tmp.toString(), "--train-claims", "8", "--test-claims", "4");
    assertThat(missing).isEqualTo(DemoCommand.EXIT_RUN_FAILED);
    assertThat(err.toString()).contains("no onnx/model.onnx in " + tmp);
  }
}
