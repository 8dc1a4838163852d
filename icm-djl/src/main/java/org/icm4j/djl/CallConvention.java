package org.icm4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Arrays;
import org.icm4j.IcmException;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link TorchScriptLm} calls its TorchScript module for one of the {@link
 * TorchScriptLm.Interface}s: which arrays go in, what comes out, and what its {@link KvCache}
 * holds. The arguments are already checked (tokens in the vocabulary, within the maximum length).
 * Not thread-safe, like the module it calls.
 */
abstract sealed class CallConvention permits PlainConvention, PastKeyValuesConvention {
  final TorchScriptModule module;
  final TorchScriptConfig config;
  final Path modelFile;
  final Device device;

  CallConvention(TorchScriptModule module, TorchScriptConfig config, Path modelFile, Device device) {
    this.module = module;
    this.config = config;
    this.modelFile = modelFile;
    this.device = device;
  }

  /** The convention of the interface {@code config.json} declares. */
  static CallConvention of(
      TorchScriptModule module, TorchScriptConfig config, Path modelFile, Device device) {
    return config.modelInterface == TorchScriptLm.Interface.PLAIN
        ? new PlainConvention(module, config, modelFile, device)
        : new PastKeyValuesConvention(module, config, modelFile, device);
  }

  /** See {@link CausalLm#forward}. */
  abstract CausalLm.Step forward(NDManager manager, long[] tokens, @Nullable KvCache cache);

  /** Fails unless the logits are {@code [1, length, vocab_size]}. */
  void checkLogits(NDArray logits, int length) {
    Shape shape = logits.getShape();
    int vocabularySize = config.vocabularySize;
    if (shape.dimension() != 3
        || shape.get(0) != 1
        || shape.get(1) != length
        || shape.get(2) != vocabularySize) {
      throw new IcmException(
          "model "
              + modelFile
              + " returned logits of shape "
              + shape
              + " for "
              + length
              + " tokens, expected (1, "
              + length
              + ", "
              + vocabularySize
              + ") with vocab_size "
              + vocabularySize
              + " from "
              + config.file
              + ": set vocab_size to the model's vocabulary size (the logits' last dimension) or"
              + " re-export the model");
    }
  }

  /** The error for a cache this model did not make. */
  IllegalArgumentException foreignCache(KvCache cache, String expected) {
    return new IllegalArgumentException(
        "cache of length "
            + cache.length()
            + " with "
            + cache.arrays().size()
            + " arrays of shapes "
            + Arrays.toString(cache.arrays().getShapes())
            + " was not made by this model ("
            + modelFile
            + ", interface "
            + config.modelInterface.configName()
            + "), which expects "
            + expected
            + ": pass a cache returned by this model's forward");
  }
}
