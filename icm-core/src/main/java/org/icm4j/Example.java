package org.icm4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * One unlabelled claim to be labelled by ICM. Immutable and thread-safe.
 *
 * <p>An example never carries a gold label: gold labels live in {@link org.icm4j.eval.GoldLabels}
 * and are used by evaluation only.
 *
 * @param id stable, unique identifier (non-blank); results and checkpoints refer to it
 * @param prompt the text shown to the model, e.g. {@code "Question: …\nClaim: …\nI think this claim
 *     is"}: end it without a trailing space or line break, since the scorer puts the space before
 *     the label (icm-djl's {@code DjlScorer} writes {@code " True"} and rejects a prompt that ends
 *     with whitespace)
 * @param group the group the example belongs to (consistency rules only relate examples of one
 *     group); an example with no group of its own uses its id
 * @param attributes free attributes that consistency rules may read (e.g. a final answer), never a
 *     gold label; copied and sorted by key
 */
public record Example(String id, String prompt, String group, Map<String, String> attributes) {

  /**
   * Checks the components and copies the collections.
   *
   * @param id stable, unique identifier (non-blank); results and checkpoints refer to it
   * @param prompt the text shown to the model, e.g. {@code "Question: …\nClaim: …\nI think this
   *     claim is"}: end it without a trailing space or line break, since the scorer puts the space
   *     before the label (icm-djl's {@code DjlScorer} writes {@code " True"} and rejects a prompt that
   *     ends with whitespace)
   * @param group the group the example belongs to (consistency rules only relate examples of one
   *     group); an example with no group of its own uses its id
   * @param attributes free attributes that consistency rules may read (e.g. a final answer), never
   *     a gold label; copied and sorted by key
   */
  public Example {
    requireNonNull(id, "id");
    requireNonNull(prompt, "prompt");
    requireNonNull(group, "group");
    requireNonNull(attributes, "attributes");
    checkArgument(!id.isBlank(), "example id must not be blank, but was '%s'", id);
    checkArgument(!group.isBlank(), "group of example '%s' must not be blank", id);
    checkArgument(!prompt.isEmpty(), "prompt of example '%s' must not be empty", id);
    attributes = java.util.Collections.unmodifiableMap(new TreeMap<>(Map.copyOf(attributes)));
  }

  /**
   * An example in a group of its own, with no attributes.
   *
   * @param id the id
   * @param prompt the prompt
   * @return an example in a group of its own, with no attributes
   */
  public static Example of(String id, String prompt) {
    return new Example(id, prompt, id, Map.of());
  }

  /**
   * An example in the given group, with no attributes.
   *
   * @param id the id
   * @param prompt the prompt
   * @param group the group
   * @return an example in the given group, with no attributes
   */
  public static Example of(String id, String prompt, String group) {
    return new Example(id, prompt, group, Map.of());
  }

  /**
   * A copy of this example with one more attribute (replacing an attribute of the same key).
   *
   * @param key the key
   * @param value the value
   * @return A copy of this example with one more attribute (replacing an attribute of the same key)
   */
  public Example withAttribute(String key, String value) {
    Map<String, String> copy = new TreeMap<>(attributes);
    copy.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
    return new Example(id, prompt, group, copy);
  }

  /**
   * The attribute's value, or {@code null} when absent.
   *
   * @param key the key
   * @return the attribute's value, or {@code null} when absent
   */
  public @org.jspecify.annotations.Nullable String attribute(String key) {
    return attributes.get(key);
  }
}
