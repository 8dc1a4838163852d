package org.icm4j.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * icm4j's settings for a {@link TorchScriptLm} directory, parsed: its interface, the order of the
 * forward's arguments, vocabulary size, maximum length and, for {@code "gpt2-past-key-values"},
 * the widths of its keys and values ({@code n_layer}, {@code n_head}, {@code n_embd}; for
 * grouped-query attention also {@code n_kv_head}, the number of key/value heads, and {@code
 * head_dim}).
 *
 * <p>The settings live in {@value #FILE_NAME}, so that the model's own Hugging Face {@code
 * config.json} can sit next to them unchanged. A directory without that file but with a {@code
 * config.json} that has icm4j's {@code "interface"} field (the layout of icm4j 0.x) is still read,
 * with a warning to rename the file; a {@code config.json} without that field is the model's own
 * and is never read as icm4j's. Every message names the file and what to change. Immutable and
 * thread-safe.
 */
final class TorchScriptConfig {
  static final String FILE_NAME = TorchScriptLm.SETTINGS_FILE;
  static final String LEGACY_FILE_NAME = "config.json";

  /** The argument names of {@code "gpt2-past-key-values"}, in DJL's (GPT-2's) order. */
  static final List<String> GPT2_INPUTS =
      List.of("input_ids", "position_ids", "attention_mask", "past_key_values");
  /** The argument names of {@code "plain"}. */
  static final List<String> PLAIN_INPUTS = List.of("input_ids", "attention_mask");

  private static final System.Logger LOG = System.getLogger(TorchScriptConfig.class.getName());

  final Path file;
  final TorchScriptLm.Interface modelInterface;
  /** The forward's arguments in the order it takes them (names of {@link #GPT2_INPUTS} / {@link #PLAIN_INPUTS}). */
  final List<String> inputs;
  final int vocabularySize;
  final int maxLength;
  final int layers;
  final int heads;
  final int headSize;

  private TorchScriptConfig(Path file, JsonNode root, boolean legacy) {
    this.file = file;
    JsonNode iface = root.get("interface");
    if (iface == null || !iface.isTextual()) {
      throw new IllegalArgumentException(
          "missing or non-text field \"interface\" in "
              + file
              + ": set it to \"plain\" or \"gpt2-past-key-values\"");
    }
    this.modelInterface = TorchScriptLm.Interface.fromConfig(iface.asText(), file);
    this.inputs = inputs(root, file, modelInterface, legacy);
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

  /**
   * The settings of {@code modelDir}: {@value #FILE_NAME}, else an icm4j-style {@code config.json}
   * (with a warning).
   *
   * @throws IllegalArgumentException when neither is there, the {@code config.json} there is the
   *     model's own, or the file is invalid
   */
  static TorchScriptConfig find(Path modelDir) {
    Path settings = modelDir.resolve(FILE_NAME);
    if (Files.isRegularFile(settings)) {
      return new TorchScriptConfig(settings, readObject(settings), false);
    }
    Path legacy = modelDir.resolve(LEGACY_FILE_NAME);
    if (!Files.isRegularFile(legacy)) {
      throw new IllegalArgumentException(
          "no " + FILE_NAME + " in model directory " + modelDir + " (looked for " + settings
              + "): write one with vocab_size, max_length, interface (\"plain\" or"
              + " \"gpt2-past-key-values\"), inputs (the forward's argument order) and, for"
              + " \"gpt2-past-key-values\", n_layer, n_head, n_embd (n_kv_head, head_dim)");
    }
    JsonNode root = readObject(legacy);
    if (!root.has("interface")) {
      throw new IllegalArgumentException(
          "no " + FILE_NAME + " in model directory " + modelDir + ", and its " + LEGACY_FILE_NAME
              + " has no \"interface\" field: it is the model's own (Hugging Face) configuration,"
              + " not icm4j's settings; write " + settings + " with vocab_size, max_length,"
              + " interface, inputs and, for \"gpt2-past-key-values\", n_layer, n_head, n_embd"
              + " (n_kv_head, head_dim), and leave config.json as it is");
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "reading icm4j's TorchScript settings from " + legacy + ": rename it to " + FILE_NAME
            + " (and add \"inputs\"); a model directory's config.json is the model's own, and a"
            + " later icm4j will not read it");
    return new TorchScriptConfig(legacy, root, true);
  }

  private static JsonNode readObject(Path file) {
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
              + " \"interface\": ..., \"inputs\": [...]}");
    }
    return root;
  }

  /**
   * The forward's argument order: {@code "inputs"}, required in {@value #FILE_NAME} for {@code
   * "gpt2-past-key-values"} (the two orders in use differ: DJL's GPT-2 {@code (input_ids,
   * position_ids, attention_mask, past_key_values)} and Hugging Face's {@code (input_ids,
   * attention_mask, position_ids, past_key_values)}, and the wrong one runs without an error on a
   * first call), optional for {@code "plain"}; in a legacy {@code config.json} it defaults to DJL's.
   */
  private static List<String> inputs(
      JsonNode root, Path file, TorchScriptLm.Interface iface, boolean legacy) {
    List<String> names =
        iface == TorchScriptLm.Interface.PLAIN ? PLAIN_INPUTS : GPT2_INPUTS;
    JsonNode node = root.get("inputs");
    if (node == null) {
      if (legacy || iface == TorchScriptLm.Interface.PLAIN) {
        return names;
      }
      throw new IllegalArgumentException(
          "missing field \"inputs\" in " + file + ": give the forward's argument order, e.g."
              + " [\"input_ids\", \"attention_mask\", \"position_ids\", \"past_key_values\"]"
              + " (Hugging Face's) or [\"input_ids\", \"position_ids\", \"attention_mask\","
              + " \"past_key_values\"] (DJL's GPT-2)");
    }
    List<String> given = new ArrayList<>();
    if (node.isArray()) {
      for (JsonNode n : node) {
        given.add(n.isTextual() ? n.asText() : n.toString());
      }
    }
    boolean ok =
        node.isArray()
            && given.size() == names.size()
            && given.containsAll(names)
            && given.get(given.size() - 1).equals(names.get(names.size() - 1));
    if (!ok) {
      throw new IllegalArgumentException(
          "field \"inputs\" in " + file + " must list " + names + " in the order the model's"
              + " forward takes them, with " + names.get(names.size() - 1) + " last, but was "
              + node);
    }
    return List.copyOf(given);
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
