package org.icm4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.onnx.OnnxScorer;

/**
 * The world's scorer in ONNX Runtime: icm-onnx's {@link OnnxScorer} on a world model exported to
 * ONNX in the Optimum decoder layout (the embedded one: {@code fixtures/world-onnx}, written by
 * {@code scripts/make-world-onnx.py}), with the prompt layout and tokenizer the DJL scorer uses,
 * so that both send the model the same tokens.
 */
final class WorldOnnxScorer {
  private WorldOnnxScorer() {}

  /**
   * A scorer on the model in {@code dir} ({@code onnx/model.onnx}, and {@code config.json} with
   * {@code max_position_embeddings}).
   *
   * @param dir the model directory
   * @param tokenizer the world's tokenizer
   * @param mode the leave-one-out order (the DJL mode of the same name)
   * @throws IllegalArgumentException when {@code dir} has no {@code onnx/model.onnx}
   */
  static OnnxScorer open(Path dir, TextTokenizer tokenizer, DjlScorer.LeaveOneOut mode) {
    Path file = dir.resolve("onnx").resolve("model.onnx");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "no onnx/model.onnx in " + dir + ": give the directory of an ONNX export in the Optimum"
              + " layout (fixtures/world-onnx holds the embedded model's)");
    }
    return OnnxScorer.builder()
        .model(file)
        .tokenizer(tokenizer)
        .layout(WorldProbe.template())
        .leaveOneOut(mode.order())
        .build();
  }
}
