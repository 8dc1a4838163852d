package org.icm4j.http;

import java.nio.file.Path;

/**
 * Turns text into the served model's token ids on the client, so that prompts go to the server
 * as token ids (exact, and the server's prefix cache sees the same ids every time). Must be
 * deterministic and thread-safe, with no special tokens added and no truncation.
 *
 * <p>Without one, {@link HttpScorer} asks the server ({@code /tokenize}). With one, it checks at
 * start that the server tokenizes the label texts the same way. Either way {@link HttpScorer} runs
 * it as icm-core's {@link org.icm4j.text.Tokenizer} (ids widened to {@code long}) under the text
 * layer's checks.
 */
@FunctionalInterface
public interface Tokenizer {

  /**
   * The ids of {@code text}.
   *
   * @param text the text to encode
   * @return the ids of {@code text}
   */
  int[] encode(String text);

  /**
   * Whether {@code id} is the tokenizer's unknown-token id; a label that encodes to it is rejected
   * (as icm-core's {@link org.icm4j.text.Tokenizer#isUnknown} does). The default: no id is unknown.
   *
   * @param id a token id
   * @return true for the unknown-token id
   */
  default boolean isUnknown(int id) {
    return false;
  }

  /**
   * icm-core's tokenizer as this one (for instance icm-djl's {@code TextTokenizer}, so that the
   * server is checked against the tokenizer a {@code DjlScorer} uses): its ids, each of which must
   * fit an {@code int}, and its unknown token.
   *
   * @param tokenizer the text layer's tokenizer
   * @return the same tokenizer with {@code int} ids
   */
  static Tokenizer of(org.icm4j.text.Tokenizer tokenizer) {
    java.util.Objects.requireNonNull(tokenizer, "tokenizer");
    return new Tokenizer() {
      @Override
      public int[] encode(String text) {
        return HttpScorer.toInt(tokenizer.encode(text));
      }

      @Override
      public boolean isUnknown(int id) {
        return tokenizer.isUnknown(id);
      }

      @Override
      public String toString() {
        return tokenizer.toString();
      }
    };
  }

  /**
   * A Hugging Face {@code tokenizer.json} (BPE, byte-level BPE, WordPiece, ...), loaded with DJL's
   * {@code ai.djl.huggingface:tokenizers} (an optional dependency of icm-http: add it to use this)
   * with no special tokens, no truncation and no padding; nothing is downloaded.
   *
   * @param tokenizerJson the file
   * @throws IllegalStateException when DJL's tokenizers are not on the class path
   * @throws org.icm4j.IcmException naming the file when it cannot be loaded
   *
   * @return A Hugging Face {@code tokenizer.json} (BPE, byte-level BPE, WordPiece, ...), loaded
   *     with DJL's {@code ai.djl.huggingface:tokenizers} (an optional dependency of icm-http
   */
  static Tokenizer huggingFace(Path tokenizerJson) {
    try {
      Class.forName("ai.djl.huggingface.tokenizers.HuggingFaceTokenizer", false, Tokenizer.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "Tokenizer.huggingFace needs DJL's tokenizers: add ai.djl.huggingface:tokenizers to the"
              + " dependencies (icm-http declares it optional)",
          e);
    }
    return HuggingFaceTokenizerJson.load(tokenizerJson);
  }
}
