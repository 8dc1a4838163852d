package org.icm4j.text;

/**
 * Turns text into a model's token ids. Implementations must be deterministic and thread-safe, add
 * no special tokens (no beginning-of-sequence token) and never truncate.
 *
 * <p>icm-djl wraps a Hugging Face {@code tokenizer.json} ({@code TextTokenizer.huggingFace}); a
 * test can use a lambda over a small word list.
 */
@FunctionalInterface
public interface Tokenizer {

  /**
   * The ids of {@code text}, with no special tokens added and no truncation.
   *
   * @param text any text, possibly empty
   * @return the ids, in order (empty for empty text)
   */
  long[] encode(String text);

  /**
   * Whether {@code id} is the tokenizer's unknown-token id (what it gives for text it has no tokens
   * for). {@link PromptTokens} rejects labels that encode to it. The default: no id is unknown.
   *
   * @param id a token id
   * @return true for the unknown-token id
   */
  default boolean isUnknown(long id) {
    return false;
  }
}
