package org.icm4j;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Labels chosen by ICM for a data set: each example id either has a label of the {@link
 * LabelSpace} or is unlabelled. Immutable and thread-safe.
 *
 * <p>Iteration order of {@link #asMap()} and {@link #unlabelledIds()} is the order of example ids
 * ({@link String#compareTo}), independent of the order the examples were given in.
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

  /** The label space. */
  public LabelSpace labelSpace() {
    return labelSpace;
  }

  /** The label of an example, empty when it is unlabelled. */
  public Optional<String> label(String id) {
    return Optional.ofNullable(labels.get(requireNonNull(id, "id")));
  }

  /** Labelled example ids to label names, in id order. */
  public Map<String, String> asMap() {
    return labels;
  }

  /** Ids of the examples left unlabelled, in id order. */
  public List<String> unlabelledIds() {
    return unlabelled;
  }

  /** Number of examples, labelled or not. */
  public int size() {
    return labels.size() + unlabelled.size();
  }

  /** Number of labelled examples. */
  public int labelledCount() {
    return labels.size();
  }

  /** Whether every example has a label. */
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
