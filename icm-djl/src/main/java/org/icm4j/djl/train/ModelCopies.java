package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;

/**
 * Copies of {@link BlockLm} weights: snapshots by parameter name, models made from a snapshot, and
 * models grown by layers that start as the identity. Stateless and thread-safe (the models are
 * not).
 */
public final class ModelCopies {
  private ModelCopies() {}

  /**
   * The values of every parameter of a model, by name, in the model's order.
   *
   * @param lm the model (not changed)
   * @return a new map of new arrays
   */
  public static Map<String, float[]> snapshot(BlockLm lm) {
    requireNonNull(lm, "lm");
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : lm.block().getParameters()) {
      out.put(p.getValue().getName(), p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  /**
   * Sets every parameter of a model from a snapshot of a model of the same configuration.
   *
   * @param lm the model to change
   * @param snapshot values by parameter name, as {@link #snapshot} returns them
   * @throws IllegalArgumentException naming the parameter when the snapshot lacks one or its size
   *     differs
   */
  public static void restore(BlockLm lm, Map<String, float[]> snapshot) {
    requireNonNull(lm, "lm");
    requireNonNull(snapshot, "snapshot");
    for (Pair<String, Parameter> p : lm.block().getParameters()) {
      Parameter parameter = p.getValue();
      float[] values = snapshot.get(parameter.getName());
      NDArray array = parameter.getArray();
      checkArgument(
          values != null && values.length == array.size(),
          "the snapshot has %s values for parameter %s of %s values: take it from a model of the"
              + " same configuration",
          values == null ? "no" : values.length,
          parameter.getName(),
          array.size());
      array.set(FloatBuffer.wrap(values));
    }
  }

  /**
   * A new model of {@code config} with the weights of a snapshot.
   *
   * @param config the configuration the snapshot was taken from
   * @param snapshot the weights
   * @param device where the new model lives
   * @return the model; close it when done
   */
  public static BlockLm fromSnapshot(GptConfig config, Map<String, float[]> snapshot, Device device) {
    BlockLm lm = BlockLm.create(config, device);
    try {
      restore(lm, snapshot);
      return lm;
    } catch (RuntimeException e) {
      lm.close();
      throw e;
    }
  }

  /**
   * A copy of {@code source} with {@code layers} transformer blocks: its layers first, then new
   * ones whose two projections into the residual stream (attention output, MLP output) are zero,
   * so the grown model computes exactly what {@code source} does until training changes them.
   *
   * @param source the model to grow (not changed, not closed)
   * @param layers the number of layers of the copy, at least that of {@code source}
   * @return the grown model on the CPU; close it when done
   */
  public static BlockLm grow(BlockLm source, int layers) {
    requireNonNull(source, "source");
    GptConfig c = source.config();
    checkArgument(
        layers >= c.layers(),
        "a model of %s layers cannot be grown to %s layers: give at least %s",
        c.layers(), layers, c.layers());
    GptConfig shape =
        new GptConfig(
            c.vocabularySize(), c.maxLength(), layers, c.heads(), c.embedding(), c.mlpHidden(), c.seed());
    BlockLm grown = BlockLm.create(shape, Device.cpu());
    Map<String, Parameter> from = new HashMap<>();
    for (Pair<String, Parameter> p : source.block().getParameters()) {
      from.put(p.getValue().getName(), p.getValue());
    }
    for (Pair<String, Parameter> p : grown.block().getParameters()) {
      Parameter target = p.getValue();
      Parameter old = from.get(target.getName());
      NDArray array = target.getArray();
      if (old != null) {
        array.set(FloatBuffer.wrap(old.getArray().toFloatArray()));
      } else if (target.getName().endsWith("attention_out_weight")
          || target.getName().endsWith("mlp_out_weight")) {
        array.set(FloatBuffer.wrap(new float[Math.toIntExact(array.size())]));
      }
    }
    return grown;
  }
}
