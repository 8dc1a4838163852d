package org.icm4j.http;

import java.util.Map;

/**
 * icm-http's former prompt layout, kept so that code written against it still compiles: it is
 * icm-core's {@link org.icm4j.text.PromptLayout} (same fields, same checks), which {@link
 * HttpScorer} now uses like every other scorer. Immutable and thread-safe.
 *
 * @param verbalizers the text of each label (label name to text); labels not in the map are
 *     written as their name
 * @param separator text after each demonstration
 * @deprecated use {@link org.icm4j.text.PromptLayout}: change the import
 */
@Deprecated
public record PromptLayout(Map<String, String> verbalizers, String separator) {
  /**
   * Copies the map; rejects what the text layer's layout rejects.
   *
   * @param verbalizers the text of each label (label name to text); labels not in the map are
   *     written as their name
   * @param separator text after each demonstration
   */
  public PromptLayout {
    verbalizers = new org.icm4j.text.PromptLayout(verbalizers, separator).verbalizers();
  }

  /**
   * The text layer's layout of the same fields.
   *
   * @return the text layer's layout of the same fields
   */
  public org.icm4j.text.PromptLayout toText() {
    return new org.icm4j.text.PromptLayout(verbalizers, separator);
  }
}
