package org.icm4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * {@link TorchScriptLm.Interface#PLAIN}: {@code forward(input_ids, attention_mask) -> logits}. The
 * cache holds the token ids read so far, and every call reads the whole sequence again.
 */
final class PlainConvention extends CallConvention {

  PlainConvention(TorchScriptModule module, TorchScriptConfig config, Path modelFile, Device device) {
    super(module, config, modelFile, device);
  }

  @Override
  CausalLm.Step forward(NDManager manager, long[] tokens, @Nullable KvCache cache) {
    long[] earlier = new long[0];
    if (cache != null) {
      NDList arrays = cache.arrays();
      if (arrays.size() != 1
          || arrays.get(0).getDataType() != DataType.INT64
          || !arrays.get(0).getShape().equals(new Shape(cache.length()))) {
        throw foreignCache(cache, "one int64 [" + cache.length() + "] array of token ids");
      }
      earlier = arrays.get(0).toLongArray();
    }
    long[] all = Arrays.copyOf(earlier, earlier.length + tokens.length);
    System.arraycopy(tokens, 0, all, earlier.length, tokens.length);
    int length = all.length;
    try (NDManager scratch = manager.newSubManager(device)) {
      NDArray ids = scratch.create(all);
      NDList inputs =
          new NDList(ids.reshape(1, length), scratch.ones(new Shape(1, length), DataType.INT64));
      NDList outputs = module.run(inputs);
      NDArray logits = outputs.get(0);
      checkLogits(logits, length);
      NDArray result = logits.get(new NDIndex("0, {}:", earlier.length)).duplicate();
      result.attach(manager);
      ids.attach(manager);
      return new CausalLm.Step(result, new KvCache(new NDList(ids), length));
    }
  }
}
