package org.icm4j.spark;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.icm4j.Example;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Example} as a Spark row: a Java bean for {@code Encoders.bean(ExampleRow.class)}
 * (Spark's encoders need a bean, not a record). Mutable, as beans are: not thread-safe.
 */
public final class ExampleRow implements Serializable {
  private static final long serialVersionUID = 1L;

  private @Nullable String id;
  private @Nullable String prompt;
  private @Nullable String group;
  private @Nullable Map<String, String> attributes;

  /** An empty row, for Spark. */
  public ExampleRow() {}

  /** The row of {@code example}. */
  public static ExampleRow of(Example example) {
    requireNonNull(example, "example");
    ExampleRow r = new ExampleRow();
    r.setId(example.id());
    r.setPrompt(example.prompt());
    r.setGroup(example.group());
    r.setAttributes(new HashMap<>(example.attributes()));
    return r;
  }

  /**
   * The example this row holds.
   *
   * @throws IllegalArgumentException naming the row when its id or prompt is missing or the
   *     example is invalid
   */
  public Example toExample() {
    if (id == null || prompt == null) {
      throw new IllegalArgumentException(
          "example row " + (id == null ? "without an id" : "'" + id + "'") + " has no "
              + (id == null ? "id" : "prompt") + ": every row needs an id and a prompt");
    }
    return new Example(id, prompt, group == null ? id : group, attributes == null ? Map.of() : attributes);
  }

  public @Nullable String getId() {
    return id;
  }

  public void setId(@Nullable String id) {
    this.id = id;
  }

  public @Nullable String getPrompt() {
    return prompt;
  }

  public void setPrompt(@Nullable String prompt) {
    this.prompt = prompt;
  }

  /** The group; {@code null} means a group of its own, as {@link Example#of(String, String)}. */
  public @Nullable String getGroup() {
    return group;
  }

  public void setGroup(@Nullable String group) {
    this.group = group;
  }

  public @Nullable Map<String, String> getAttributes() {
    return attributes;
  }

  public void setAttributes(@Nullable Map<String, String> attributes) {
    this.attributes = attributes;
  }
}
