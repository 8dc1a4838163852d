package org.icm4j.djl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.icm4j.IcmException;
import org.icm4j.text.Tokenizer;
import org.jspecify.annotations.Nullable;

/**
 * The text layer's {@link Tokenizer} for a {@link CausalLm}, with a {@link #close()} for native
 * tokenizers (DJL's Hugging Face tokenizer). Implementations must be deterministic and
 * thread-safe.
 */
public interface TextTokenizer extends Tokenizer, AutoCloseable {

  @Override
  default void close() {}

  /**
   * A Hugging Face {@code tokenizer.json} (WordLevel, BPE, byte-level BPE, ...) loaded with DJL's
   * {@link HuggingFaceTokenizer}: no special tokens, no truncation, no padding, nothing downloaded.
   *
   * @throws IcmException naming the file when it is missing or cannot be loaded
   *
   * @param tokenizerJson a Hugging Face {@code tokenizer.json}
   * @return A Hugging Face {@code tokenizer.json} (WordLevel, BPE, byte-level BPE, ...) loaded with
   *     DJL's {@link HuggingFaceTokenizer}
   */
  static TextTokenizer huggingFace(Path tokenizerJson) {
    DjlStartup.prepare(); // before DJL's tokenizer class, which may probe the network
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IcmException(
          "tokenizer file " + tokenizerJson + " does not exist: give the path of a Hugging Face"
              + " tokenizer.json");
    }
    @Nullable Long unknown;
    try {
      JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
      JsonNode model = root.path("model");
      String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
      JsonNode vocab = model.path("vocab");
      unknown = unk != null && vocab.has(unk) ? vocab.get(unk).asLong() : null;
    } catch (IOException e) {
      throw new IcmException("cannot read tokenizer file " + tokenizerJson + ": " + e.getMessage(), e);
    }
    HuggingFaceTokenizer hf;
    try {
      hf =
          HuggingFaceTokenizer.newInstance(
              tokenizerJson,
              Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    } catch (IOException | RuntimeException e) {
      throw new IcmException(
          "cannot load tokenizer " + tokenizerJson + " (" + e.getMessage()
              + "): it must be a Hugging Face tokenizer.json",
          e);
    }
    Long unkId = unknown;
    return new TextTokenizer() {
      @Override
      public long[] encode(String text) {
        Encoding enc = hf.encode(text, false, false);
        return enc.getIds();
      }

      @Override
      public boolean isUnknown(long id) {
        return unkId != null && unkId == id;
      }

      @Override
      public void close() {
        hf.close();
      }

      @Override
      public String toString() {
        return "huggingFace(" + tokenizerJson.getFileName() + ")";
      }
    };
  }
}
