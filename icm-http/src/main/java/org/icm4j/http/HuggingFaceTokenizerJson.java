package org.icm4j.http;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.icm4j.IcmException;

/** {@link Tokenizer#huggingFace}: kept apart so that icm-http loads without DJL. */
final class HuggingFaceTokenizerJson implements Tokenizer {
  private final HuggingFaceTokenizer tokenizer;
  private final Path file;
  /** The id of the file's {@code model.unk_token}, or -1 when it names none in its vocabulary. */
  private final long unknown;

  private HuggingFaceTokenizerJson(HuggingFaceTokenizer tokenizer, Path file, long unknown) {
    this.tokenizer = tokenizer;
    this.file = file;
    this.unknown = unknown;
  }

  static Tokenizer load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IcmException("tokenizer file " + file + " does not exist: give the path of a Hugging Face tokenizer.json");
    }
    long unknown;
    try {
      JsonNode model = new ObjectMapper().readTree(file.toFile()).path("model");
      JsonNode unk = model.path("unk_token");
      JsonNode vocab = model.path("vocab");
      unknown = unk.isTextual() && vocab.path(unk.asText()).canConvertToLong() ? vocab.get(unk.asText()).asLong() : -1;
    } catch (IOException e) {
      throw new IcmException("cannot read tokenizer file " + file + ": " + e.getMessage(), e);
    }
    try {
      return new HuggingFaceTokenizerJson(
          HuggingFaceTokenizer.newInstance(
              file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")),
          file,
          unknown);
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
  public boolean isUnknown(int id) {
    return id == unknown;
  }

  @Override
  public String toString() {
    return "huggingFace(" + file.getFileName() + ")";
  }
}
