package org.icm4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import org.icm4j.IcmException;
import org.jspecify.annotations.Nullable;

/**
 * {@link TorchScriptLm.Interface#GPT2_PAST_KEY_VALUES}: {@code forward(input_ids, position_ids,
 * attention_mask, past_key_values) -> (logits, presents, ...)}, the first three in the order the
 * settings' {@code "inputs"} give (DJL's GPT-2 order above, or Hugging Face's {@code (input_ids,
 * attention_mask, position_ids, past_key_values)}). The cache holds each layer's keys and values;
 * an empty past is passed as arrays of length 0 in the type of the model's weights (float16 for a
 * float16 trace). Logits are returned as float32.
 */
final class PastKeyValuesConvention extends CallConvention {
  private final int layers;
  private final int heads;
  private final int headSize;
  private final String pastName;
  private final DataType pastType;

  PastKeyValuesConvention(
      TorchScriptModule module, TorchScriptConfig config, Path modelFile, Device device) {
    super(module, config, modelFile, device);
    this.layers = config.layers;
    this.heads = config.heads;
    this.headSize = config.headSize;
    this.pastName = "past_key_values(" + layers + ",2)";
    this.pastType = module.weightType();
  }

  @Override
  CausalLm.Step forward(NDManager manager, long[] tokens, @Nullable KvCache cache) {
    int past = cache == null ? 0 : cache.length();
    if (cache != null) {
      NDList arrays = cache.arrays();
      Shape want = new Shape(1, heads, past, headSize);
      boolean ok = arrays.size() == 2 * layers;
      for (int i = 0; ok && i < arrays.size(); i++) {
        ok = arrays.get(i).getShape().equals(want);
      }
      if (!ok) {
        throw foreignCache(cache, 2 * layers + " arrays (keys then values per layer) of " + want);
      }
    }
    int total = past + tokens.length;
    long[] positions = new long[tokens.length];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = past + i;
    }
    try (NDManager scratch = manager.newSubManager(device)) {
      NDList inputs = new NDList(3 + 2 * layers);
      for (String name : config.inputs.subList(0, 3)) {
        switch (name) {
          case "input_ids" -> inputs.add(scratch.create(tokens, new Shape(1, tokens.length)));
          case "position_ids" -> inputs.add(scratch.create(positions, new Shape(1, tokens.length)));
          case "attention_mask" -> inputs.add(scratch.ones(new Shape(1, total), DataType.INT64));
          default -> throw new IllegalStateException("unchecked input name " + name);
        }
      }
      @Nullable String[] names = new @Nullable String[2 * layers];
      for (int i = 0; i < 2 * layers; i++) {
        NDArray array =
            cache == null
                ? scratch.zeros(new Shape(1, heads, 0, headSize), pastType)
                : cache.arrays().get(i);
        names[i] = array.getName();
        // DJL groups arrays named "name(L,2)" into the nested tuple ((k_0, v_0), ..., (k_L-1, v_L-1)).
        array.setName(pastName);
        inputs.add(array);
      }
      NDList outputs;
      try {
        outputs = module.run(inputs);
      } finally {
        for (int i = 0; i < 2 * layers; i++) {
          inputs.get(3 + i).setName(names[i]);
        }
      }
      if (outputs.size() < 1 + 2 * layers) {
        throw new IcmException(
            "model "
                + modelFile
                + " returned "
                + outputs.size()
                + " arrays, but the gpt2-past-key-values interface needs logits and "
                + 2 * layers
                + " present keys and values (n_layer "
                + layers
                + " in "
                + config.file
                + "): fix n_layer or re-export the model to return (logits, presents, hidden)");
      }
      NDArray logits = outputs.get(0);
      checkLogits(logits, tokens.length);
      Shape present = new Shape(1, heads, total, headSize);
      NDList presents = new NDList(2 * layers);
      for (int i = 1; i <= 2 * layers; i++) {
        NDArray array = outputs.get(i);
        if (array.getDataType() != pastType) {
          throw new IcmException(
              "model "
                  + modelFile
                  + " returned a present key/value of type "
                  + array.getDataType()
                  + " at output "
                  + i
                  + ", but its weights are "
                  + pastType
                  + ": re-export it so that its keys and values have the type of its weights");
        }
        if (!array.getShape().equals(present)) {
          throw new IcmException(
              "model "
                  + modelFile
                  + " returned a present key/value of shape "
                  + array.getShape()
                  + " at output "
                  + i
                  + ", expected "
                  + present
                  + " from n_head and n_embd in "
                  + config.file
                  + ": set them to the model's values or re-export it with past keys/values"
                  + " shaped [1, heads, length, head_dim]");
        }
        array.setName(null);
        presents.add(array);
      }
      NDArray result = logits.reshape(tokens.length, config.vocabularySize);
      if (result.getDataType() != DataType.FLOAT32) {
        result = result.toType(DataType.FLOAT32, false);
      }
      result.attach(manager);
      presents.attach(manager);
      return new CausalLm.Step(result, new KvCache(presents, total));
    }
  }
}
