package org.icm4j.http;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.icm4j.IcmException;

/** {@link Tokenizer#huggingFace}: kept apart so that icm-http loads without DJL. */
final class HuggingFaceTokenizerJson implements Tokenizer {
  private final HuggingFaceTokenizer tokenizer;
  private final Path file;

  private HuggingFaceTokenizerJson(HuggingFaceTokenizer tokenizer, Path file) {
    this.tokenizer = tokenizer;
    this.file = file;
  }

  static Tokenizer load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IcmException("tokenizer file " + file + " does not exist: give the path of a Hugging Face tokenizer.json");
    }
    try {
      return new HuggingFaceTokenizerJson(
          HuggingFaceTokenizer.newInstance(
              file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")),
          file);
    } catch (IOException | RuntimeException e) {
      throw new IcmException("cannot load tokenizer " + file + " (" + e.getMessage() + "): it must be a Hugging Face tokenizer.json", e);
    }
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  @Override
  public String toString() {
    return "huggingFace(" + file.getFileName() + ")";
  }
}
