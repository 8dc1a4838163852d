package org.icm4j.text;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import org.icm4j.Example;

/**
 * How examples and labels become text, as in the official ICM code: each demonstration is {@code
 * prompt + verbalizer(label) + separator}, the query is its prompt, and the label's tokens are
 * scored after it. With the same layout, tokenizer and model, every scorer sends the model the same
 * tokens. Immutable and thread-safe.
 *
 * <p>Mind the space before a label in BPE vocabularies: {@code " True"} is usually one token and
 * {@code "True"} after a space-terminated prompt is not. Prompts must end without a space ("... I
 * think this claim is") and verbalizers carry the leading space ({@code " True"}); {@link
 * PromptTokens} checks both.
 *
 * @param verbalizers the text of each label (label name to text); labels not in the map are written
 *     as their name
 * @param separator text after each demonstration
 */
public record PromptLayout(Map<String, String> verbalizers, String separator) {

  /**
   * Copies the map; rejects an empty verbalizer.
   *
   * @param verbalizers the text of each label (label name to text); labels not in the map are
   *     written as their name
   * @param separator text after each demonstration
   */
  public PromptLayout {
    verbalizers = Map.copyOf(requireNonNull(verbalizers, "verbalizers"));
    requireNonNull(separator, "separator");
    verbalizers.forEach(
        (label, text) -> {
          if (text.isEmpty()) {
            throw new IllegalArgumentException(
                "verbalizer of label '" + label + "' is empty: give it the text the model should"
                    + " read, e.g. \" " + label + "\"");
          }
        });
  }

  /**
   * Verbalizers {@code " True"} and {@code " False"} and a blank line between demonstrations.
   *
   * @return verbalizers {@code " True"} and {@code " False"} and a blank line between
   *     demonstrations
   */
  public static PromptLayout official() {
    return new PromptLayout(Map.of("True", " True", "False", " False"), "\n\n");
  }

  /**
   * The text of a label.
   *
   * @param label a label name
   * @return its verbalizer, or the name itself when the layout has none for it
   */
  public String verbalize(String label) {
    return verbalizers.getOrDefault(label, label);
  }

  /**
   * The text of a query.
   *
   * @param example the example
   * @return its prompt
   */
  public String query(Example example) {
    return example.prompt();
  }
}
