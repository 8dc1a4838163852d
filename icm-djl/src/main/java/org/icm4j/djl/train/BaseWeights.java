package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.Map;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.jspecify.annotations.Nullable;

/**
 * The weights a trainer starts every call from: a snapshot of a base {@link BlockLm} (given, or
 * loaded from its directory), kept in Java arrays, so that the base model itself is never changed
 * and nothing native stays open. Immutable (the arrays are never written) and thread-safe; the
 * copies it makes are not.
 *
 * @param config the base model's configuration
 * @param weights its parameters by name ({@link ModelCopies#snapshot})
 * @param device where copies live
 * @param name what the base is, for reports
 */
record BaseWeights(GptConfig config, Map<String, float[]> weights, Device device, String name) {

  /**
   * The weights of a base model given to a builder as a model or as a directory.
   *
   * @throws IllegalStateException when neither is given
   * @throws org.icm4j.IcmException when the directory does not hold a model
   */
  static BaseWeights of(@Nullable BlockLm base, @Nullable Path directory) {
    checkState(base != null || directory != null, "no base model set: call base(BlockLm) or base(Path)");
    if (base != null) {
      return new BaseWeights(base.config(), ModelCopies.snapshot(base), base.device(), "BlockLm " + base.config());
    }
    try (BlockLm loaded = BlockLm.load(requireNonNull(directory), Device.cpu())) {
      return new BaseWeights(loaded.config(), ModelCopies.snapshot(loaded), Device.cpu(), directory.toString());
    }
  }

  /** A new model with these weights; the caller closes it. */
  BlockLm copy() {
    return ModelCopies.fromSnapshot(config, weights, device);
  }
}
