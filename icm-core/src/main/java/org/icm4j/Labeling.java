package org.icm4j;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.icm4j.result.Energy;

/**
 * Labels chosen by ICM for a data set: each example id either has a label of the {@link
 * LabelSpace} or is unlabelled. Immutable and thread-safe.
 *
 * <p>Iteration order of {@link #asMap()} and {@link #unlabelledIds()} is the order of example ids
 * ({@link String#compareTo}), independent of the order the examples were given in.
 *
 * <p>Make one with {@link #of(LabelSpace, Map)} (every id labelled) or {@link #of(LabelSpace,
 * List, Map)} (labels for some of the given examples), for instance to ask {@link Icm#energy} about
 * labels you trust:
 *
 * <pre>{@code
 * Labeling trusted = Labeling.of(LabelSpace.binary(), Map.of("q1/a", "True", "q1/b", "False"));
 * Energy e = icm.energy(sample, trusted);
 * }</pre>
 */
public final class Labeling {
  private final LabelSpace labelSpace;
  private final ImmutableMap<String, String> labels;
  private final ImmutableList<String> unlabelled;

  /**
   * Creates a labeling.
   *
   * @param labelSpace the label space every label belongs to
   * @param labels id to label name; every name must be in {@code labelSpace}
   * @param unlabelled ids that have no label; disjoint from {@code labels}' keys
   */
  public Labeling(LabelSpace labelSpace, Map<String, String> labels, Set<String> unlabelled) {
    this.labelSpace = requireNonNull(labelSpace, "labelSpace");
    requireNonNull(labels, "labels");
    requireNonNull(unlabelled, "unlabelled");
    labels.forEach(
        (id, label) -> {
          if (!labelSpace.contains(label)) {
            throw new IllegalArgumentException(
                "example '" + id + "' has unknown label '" + label + "': the label space is "
                    + labelSpace.names());
          }
          if (unlabelled.contains(id)) {
            throw new IllegalArgumentException(
                "example '" + id + "' is both labelled and unlabelled");
          }
        });
    this.labels = ImmutableMap.copyOf(new java.util.TreeMap<>(labels));
    this.unlabelled = ImmutableList.sortedCopyOf(unlabelled);
  }

  /**
   * A complete labeling: every id of {@code labels} has its label, none is unlabelled. The same kind
   * of factory as {@link org.icm4j.eval.GoldLabels#of}.
   *
   * @param labelSpace the label space every label belongs to
   * @param labels example id to label name (copied); ids non-blank, names in {@code labelSpace}
   * @return the labeling
   * @throws IllegalArgumentException naming the id, the label and the label space when a label is
   *     not in the space, or naming the id when it is blank
   * @throws NullPointerException naming the argument, or the id whose label is null
   */
  public static Labeling of(LabelSpace labelSpace, Map<String, String> labels) {
    requireNonNull(labelSpace, "labelSpace");
    return new Labeling(labelSpace, checkedCopy(labels), Set.of());
  }

  /**
   * A labeling of these examples: those with an entry in {@code labels} have that label, the others
   * are unlabelled (as {@link org.icm4j.io.Jsonl#readLabels} returns them).
   *
   * @param labelSpace the label space every label belongs to
   * @param examples the examples the labeling covers, with distinct ids
   * @param labels labels of some of them, by id (copied); names in {@code labelSpace}
   * @return the labeling; its {@link #size()} is {@code examples.size()}
   * @throws IllegalArgumentException naming the id when two examples share it, when a label's id is
   *     not among the examples, or when a label is not in the space (with the space)
   * @throws NullPointerException naming the argument, or the id whose label is null
   */
  public static Labeling of(
      LabelSpace labelSpace, List<Example> examples, Map<String, String> labels) {
    requireNonNull(labelSpace, "labelSpace");
    requireNonNull(examples, "examples");
    Map<String, String> copy = checkedCopy(labels);
    Set<String> unlabelled = new java.util.TreeSet<>();
    for (Example e : examples) {
      requireNonNull(e, "example");
      if (!unlabelled.add(e.id())) {
        throw new IllegalArgumentException(
            "example id '" + e.id() + "' occurs more than once: ids must be unique");
      }
    }
    for (String id : copy.keySet()) {
      if (!unlabelled.remove(id)) {
        throw new IllegalArgumentException(
            "a label is given for '" + id + "', which is not among the " + examples.size()
                + " examples: label only the examples given");
      }
    }
    return new Labeling(labelSpace, copy, unlabelled);
  }

  private static Map<String, String> checkedCopy(Map<String, String> labels) {
    requireNonNull(labels, "labels");
    Map<String, String> copy = new java.util.TreeMap<>();
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String id = requireNonNull(e.getKey(), "labelled id");
      String label = requireNonNull(e.getValue(), () -> "label of example '" + id + "'");
      if (id.isBlank()) {
        throw new IllegalArgumentException("labelled ids must not be blank, but was '" + id + "'");
      }
      copy.put(id, label);
    }
    return copy;
  }

  /**
   * The label space.
   *
   * @return the label space
   */
  public LabelSpace labelSpace() {
    return labelSpace;
  }

  /**
   * The label of an example, empty when it is unlabelled.
   *
   * @param id the id
   * @return the label of an example, empty when it is unlabelled
   */
  public Optional<String> label(String id) {
    return Optional.ofNullable(labels.get(requireNonNull(id, "id")));
  }

  /**
   * Labelled example ids to label names, in id order.
   *
   * @return labelled example ids to label names, in id order
   */
  public Map<String, String> asMap() {
    return labels;
  }

  /**
   * Ids of the examples left unlabelled, in id order.
   *
   * @return ids of the examples left unlabelled, in id order
   */
  public List<String> unlabelledIds() {
    return unlabelled;
  }

  /**
   * Number of examples, labelled or not.
   *
   * @return number of examples, labelled or not
   */
  public int size() {
    return labels.size() + unlabelled.size();
  }

  /**
   * Number of labelled examples.
   *
   * @return number of labelled examples
   */
  public int labelledCount() {
    return labels.size();
  }

  /**
   * Whether every example has a label.
   *
   * @return whether every example has a label
   */
  public boolean isComplete() {
    return unlabelled.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Labeling other
        && labelSpace.equals(other.labelSpace)
        && labels.equals(other.labels)
        && unlabelled.equals(other.unlabelled);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(labelSpace, labels, unlabelled);
  }

  @Override
  public String toString() {
    return "Labeling{labelled=" + labels.size() + ", unlabelled=" + unlabelled.size() + "}";
  }
}
