package org.icm4j.examples;

import ai.djl.Device;
import java.nio.file.Path;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;

/** A tiny random-weight {@link BlockLm} over the default world's vocabulary, for the commands' tests. */
final class TinyWorldModel {
  private TinyWorldModel() {}

  /**
   * Creates the model (1 layer, 2 heads, d = 16, context 256) and saves it.
   *
   * @param dir where to save it ({@code BlockLm.load} and {@code --block-model} read it)
   * @param seed the seed of its random weights
   * @return {@code dir}
   */
  static Path save(Path dir, long seed) {
    int vocab = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED).vocabulary().size();
    try (BlockLm lm = BlockLm.create(new GptConfig(vocab, 256, 1, 2, 16, 32, seed), Device.cpu())) {
      lm.save(dir);
    }
    return dir;
  }
}
