package org.icm4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.jspecify.annotations.Nullable;

/**
 * A causal language model as icm-djl needs it: token ids and an optional cache of earlier tokens
 * in, next-token logits and the extended cache out. Implementations: {@link TorchScriptLm} (a
 * traced Hugging Face-style model, with or without {@code past_key_values}) and {@link BlockLm} (a
 * model written as a DJL {@code Block}).
 *
 * <p>Not thread-safe: one instance per thread (a DJL model's native state is shared). Closing it
 * releases the model.
 */
public interface CausalLm extends AutoCloseable {

  /**
   * The device the model runs on; callers create their arrays there.
   *
   * @return the device the model runs on
   */
  Device device();

  /**
   * Number of entries in the logits' last dimension.
   *
   * @return number of entries in the logits' last dimension
   */
  int vocabularySize();

  /**
   * The longest sequence (cached plus new tokens) the model accepts.
   *
   * @return the longest sequence (cached plus new tokens) the model accepts
   */
  int maxLength();

  /**
   * Whether {@link #forward} reuses the cache's keys and values (true) or reads the cached tokens
   * again (false); either way the results are the same.
   *
   * @return whether {@link #forward} reuses the cache's keys and values (true) or reads the cached
   *     tokens again (false)
   */
  boolean reusesKeysAndValues();

  /**
   * Reads new tokens after the cached ones.
   *
   * @param manager owns the returned arrays (and the new cache)
   * @param tokens the new token ids, at least one
   * @param cache the state of the earlier tokens, or {@code null} when there are none
   * @return logits {@code [tokens.length, vocabularySize()]} (row {@code j}: the distribution of
   *     the token after {@code tokens[j]}) and the cache of all tokens read
   * @throws IllegalArgumentException when cached plus new tokens exceed {@link #maxLength()}
   */
  Step forward(NDManager manager, long[] tokens, @Nullable KvCache cache);

  /**
   * What identifies this model's weights, for {@code DjlScorer.identity()} (and so a checkpoint's
   * fingerprint): entries that stay the same from one JVM to the next for the same weights and
   * differ for other weights, such as a digest of the model's file. {@link TorchScriptLm}: {@code
   * modelDigest}, a fast digest of its TorchScript file and {@code config.json}; {@link BlockLm}:
   * {@code parametersDigest}, a digest of its parameters as they are now. The default is empty
   * (the scorer then identifies the model by its vocabulary size only).
   *
   * @return entries by name
   */
  default java.util.Map<String, String> identity() {
    return java.util.Map.of();
  }

  /**
   * The result of {@link #forward}.
   *
   * @param logits {@code [newTokens, vocabularySize]}
   * @param cache the cache covering the earlier and the new tokens
   */
  record Step(NDArray logits, KvCache cache) {}

  @Override
  void close();
}
