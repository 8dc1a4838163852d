package org.icm4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;

/**
 * The finite set of labels ICM chooses from, in a fixed order. Immutable and thread-safe.
 *
 * <p>Label indices ({@code 0..size()-1}) are positions in {@link #names()}. The binary space is
 * {@code ["True", "False"]}: the official ICM verbalizers.
 *
 * @param names the label names, distinct and non-blank, at least two
 */
public record LabelSpace(List<String> names) {

  private static final LabelSpace BINARY = new LabelSpace(List.of("True", "False"));

  /**
   * Checks the components and copies the collections.
   *
   * @param names the label names, distinct and non-blank, at least two
   */
  public LabelSpace {
    names = List.copyOf(requireNonNull(names, "names"));
    checkArgument(names.size() >= 2, "a label space needs at least two labels, but was %s", names);
    checkArgument(
        new HashSet<>(names).size() == names.size(), "label names must be distinct, but were %s", names);
    for (String n : names) {
      checkArgument(!n.isBlank(), "label names must not be blank, but were %s", names);
    }
  }

  /**
   * {@code ["True", "False"]}.
   *
   * @return {@code ["True", "False"]}
   */
  public static LabelSpace binary() {
    return BINARY;
  }

  /**
   * A label space of the given names, in order.
   *
   * @param names the names
   * @return A label space of the given names, in order
   */
  public static LabelSpace of(String... names) {
    return new LabelSpace(List.of(names));
  }

  /**
   * Number of labels.
   *
   * @return number of labels
   */
  public int size() {
    return names.size();
  }

  /**
   * The name of label {@code index}.
   *
   * @param index the index
   * @return the name of label {@code index}
   */
  public String name(int index) {
    return names.get(index);
  }

  /**
   * The index of a label name.
   *
   * @throws IllegalArgumentException naming the unknown label and the known ones
   *
   * @param name the name
   * @return the index of a label name
   */
  public int indexOf(String name) {
    int i = names.indexOf(requireNonNull(name, "name"));
    if (i < 0) {
      throw new IllegalArgumentException(
          "unknown label '" + name + "': the label space is " + names);
    }
    return i;
  }

  /**
   * Whether the name is one of this space's labels.
   *
   * @param name the name
   * @return whether the name is one of this space's labels
   */
  public boolean contains(String name) {
    return names.contains(name);
  }
}
