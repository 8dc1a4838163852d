package org.icm4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.icm4j.Icm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.onnx.OnnxScorer;

/**
 * The main job's defaults (truth task, 32 training and 64 test claims, the default search) run
 * with the embedded model in DJL and with its ONNX export, printing U to full precision, whether
 * the labels agree and the token-forwards of each (docs/bring-your-own-model.md).
 *
 * <pre>{@code
 * java -Dai.djl.offline=true -cp "$CP" org.icm4j.examples.WorldOnnxComparison [SEED]
 * }</pre>
 */
public final class WorldOnnxComparison {
  private WorldOnnxComparison() {}

  public static void main(String[] args) throws IOException {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 1;
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    WorldExperiment.Settings s =
        new WorldExperiment.Settings(
            WorldExperiment.Task.TRUTH, seed, Icm.DEFAULT_ALPHA, SearchChoice.Value.defaults(), 32, 64,
            Icm.DEFAULT_SCORE_MEMO);
    WorldExperiment.Outcome djl;
    WorldExperiment.Outcome onnx;
    long t0 = System.nanoTime();
    try (DemoCommand.Model model = DemoCommand.Model.open(null, null, world)) {
      try (DjlScorer scorer = model.scorer()) {
        djl = WorldExperiment.run(world, scorer, s, (d, r, i, a) -> {});
      }
      long t1 = System.nanoTime();
      try (OnnxScorer scorer =
          WorldOnnxScorer.open(Path.of("fixtures/world-onnx"), model.tokenizer(),
              DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER)) {
        onnx = WorldExperiment.run(world, scorer, s, (d, r, i, a) -> {});
      }
      long t2 = System.nanoTime();
      System.out.printf(Locale.ROOT, "seed %d: DJL %.1f s, ONNX %.1f s%n", seed, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
    for (String run : new String[] {"ICM", "ICM without rules"}) {
      WorldExperiment.IcmRun a = run.equals("ICM") ? djl.icm() : djl.icmWithoutRules();
      WorldExperiment.IcmRun b = run.equals("ICM") ? onnx.icm() : onnx.icmWithoutRules();
      System.out.printf(Locale.ROOT,
          "%s: U DJL %.6f ONNX %.6f |dU| %.2e; P DJL %.6f ONNX %.6f; same labels %s (%d labelled);"
              + " token-forwards DJL %d ONNX %d; agreement DJL %.4f ONNX %.4f%n",
          run, a.result().utility(), b.result().utility(),
          Math.abs(a.result().utility() - b.result().utility()),
          a.result().mutualPredictability(), b.result().mutualPredictability(),
          a.result().labels().asMap().equals(b.result().labels().asMap()),
          a.result().labels().labelledCount(), a.result().counts().tokens(), b.result().counts().tokens(),
          a.agreement(), b.agreement());
    }
    System.out.printf(Locale.ROOT, "zero-shot DJL %.4f ONNX %.4f; gold many-shot DJL %.4f ONNX %.4f;"
        + " ICM many-shot DJL %.4f ONNX %.4f%n",
        djl.zeroShot(), onnx.zeroShot(), djl.goldManyShot(), onnx.goldManyShot(),
        djl.icm().manyShot(), onnx.icm().manyShot());
  }
}
