package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * The state a {@link CausalLm} keeps for tokens it has already read, so that later tokens can
 * attend to them without reading them again: for a transformer, each layer's keys and values
 * ({@code [1, heads, length, headSize]} per array, keys then values, layer by layer); for a model
 * without such a state, the token ids themselves (then {@link #arrays()} holds one {@code [length]}
 * int64 array and the model reads the whole sequence again).
 *
 * <p>Immutable: extending a cache returns a new one. The arrays belong to the {@link NDManager} of
 * the call that made them; keep that manager open while the cache is in use. Not thread-safe.
 *
 * @param arrays the state, in the model's layout
 * @param length number of tokens the cache covers (the position of the next token)
 */
public record KvCache(NDList arrays, int length) {
  /**
   * Checks the components; see the record description.
   *
   * @param arrays the state, in the model's layout
   * @param length number of tokens the cache covers (the position of the next token)
   */
  public KvCache {
    requireNonNull(arrays, "arrays");
    if (length < 0) {
      throw new IllegalArgumentException("cache length must be >= 0, but was " + length);
    }
  }
}
