package org.icm4j.http;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * How examples and labels become text, the same layout as icm-djl's {@code PromptTemplate} (and
 * the official ICM code): each demonstration is {@code prompt + verbalizer(label) + separator},
 * the query is its prompt, and the label's tokens are scored after it. With the same layout and
 * the same model, {@link HttpScorer} and icm-djl's {@code DjlScorer} send the model the same
 * tokens. Immutable and thread-safe.
 *
 * @param verbalizers the text of each label (label name to text); labels not in the map are
 *     written as their name
 * @param separator text after each demonstration
 */
public record PromptLayout(Map<String, String> verbalizers, String separator) {
  /** Copies the map; rejects an empty verbalizer. */
  public PromptLayout {
    verbalizers = Map.copyOf(requireNonNull(verbalizers, "verbalizers"));
    requireNonNull(separator, "separator");
    verbalizers.forEach(
        (label, text) -> {
          if (text.isEmpty()) {
            throw new IllegalArgumentException("verbalizer of label '" + label + "' is empty");
          }
        });
  }

  /** Verbalizers {@code " True"} and {@code " False"} and a blank line between demonstrations. */
  public static PromptLayout official() {
    return new PromptLayout(Map.of("True", " True", "False", " False"), "\n\n");
  }

  /** The text of a label. */
  public String verbalize(String label) {
    return verbalizers.getOrDefault(label, label);
  }
}
