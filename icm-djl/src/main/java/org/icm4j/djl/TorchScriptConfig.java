package org.icm4j.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The parsed {@code config.json} of a {@link TorchScriptLm} directory: its interface, vocabulary
 * size, maximum length and, for {@code "gpt2-past-key-values"}, the widths of its keys and values
 * ({@code n_layer}, {@code n_head}, {@code n_embd}; for grouped-query attention also {@code
 * n_kv_head}, the number of key/value heads, and {@code head_dim}).
 * Every message names the file and what to change. Immutable and thread-safe.
 */
final class TorchScriptConfig {
  static final String FILE_NAME = "config.json";

  final Path file;
  final TorchScriptLm.Interface modelInterface;
  final int vocabularySize;
  final int maxLength;
  final int layers;
  final int heads;
  final int headSize;

  private TorchScriptConfig(Path file, JsonNode root) {
    this.file = file;
    JsonNode iface = root.get("interface");
    if (iface == null || !iface.isTextual()) {
      throw new IllegalArgumentException(
          "missing or non-text field \"interface\" in "
              + file
              + ": set it to \"plain\" or \"gpt2-past-key-values\"");
    }
    this.modelInterface = TorchScriptLm.Interface.fromConfig(iface.asText(), file);
    this.vocabularySize = positive(root, "vocab_size", file);
    this.maxLength = positive(root, "max_length", file);
    if (modelInterface == TorchScriptLm.Interface.GPT2_PAST_KEY_VALUES) {
      this.layers = positive(root, "n_layer", file);
      int queryHeads = positive(root, "n_head", file);
      int embedding = positive(root, "n_embd", file);
      // grouped-query attention (Llama, Qwen2): fewer key/value heads, and a head width that need
      // not be n_embd / n_head
      this.heads = root.has("n_kv_head") ? positive(root, "n_kv_head", file) : queryHeads;
      if (root.has("head_dim")) {
        this.headSize = positive(root, "head_dim", file);
      } else {
        if (embedding % queryHeads != 0) {
          throw new IllegalArgumentException(
              "n_embd "
                  + embedding
                  + " is not divisible by n_head "
                  + queryHeads
                  + " in "
                  + file
                  + ": give the model's real widths, or its \"head_dim\"");
        }
        this.headSize = embedding / queryHeads;
      }
    } else {
      this.layers = 0;
      this.heads = 0;
      this.headSize = 0;
    }
  }

  static TorchScriptConfig read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read " + file + " as JSON (" + e.getMessage() + "): fix or rewrite the file", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          file + " is not a JSON object: write {\"vocab_size\": ..., \"max_length\": ...,"
              + " \"interface\": ...}");
    }
    return new TorchScriptConfig(file, root);
  }

  private static int positive(JsonNode root, String field, Path file) {
    JsonNode node = root.get(field);
    if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
      throw new IllegalArgumentException(
          "field \""
              + field
              + "\" in "
              + file
              + " must be a positive integer, but was "
              + (node == null ? "missing" : node.toString())
              + ": set it to the model's value");
    }
    return node.asInt();
  }
}
