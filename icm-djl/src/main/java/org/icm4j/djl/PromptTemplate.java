package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import org.icm4j.Example;

/**
 * How examples and labels become text, as in the official ICM code: each demonstration is {@code
 * prompt + verbalizer(label) + separator}, and the query is its prompt, after which the label's
 * tokens are scored. Immutable and thread-safe.
 *
 * <p>Mind the space before a label in BPE vocabularies: {@code " True"} is usually one token and
 * {@code "True"} after a space-terminated prompt is not. Prefer prompts that end without a space
 * ("... I think this claim is") and verbalizers with a leading space ({@code " True"}); {@link
 * DjlScorer} checks that a label tokenizes the same alone as after its prompt.
 *
 * @param verbalizers the text of each label (label name to text); labels not in the map are written
 *     as their name
 * @param separator text after each demonstration
 */
public record PromptTemplate(Map<String, String> verbalizers, String separator) {
  public PromptTemplate {
    verbalizers = Map.copyOf(requireNonNull(verbalizers, "verbalizers"));
    requireNonNull(separator, "separator");
    verbalizers.forEach(
        (label, text) -> {
          if (text.isEmpty()) {
            throw new IllegalArgumentException("verbalizer of label '" + label + "' is empty");
          }
        });
  }

  /** The official layout with verbalizers {@code " True"} and {@code " False"} and a blank line. */
  public static PromptTemplate official() {
    return new PromptTemplate(Map.of("True", " True", "False", " False"), "\n\n");
  }

  /** The text of a label. */
  public String verbalize(String label) {
    return verbalizers.getOrDefault(label, label);
  }

  /** The text of a query: its prompt. */
  public String query(Example example) {
    return example.prompt();
  }
}
