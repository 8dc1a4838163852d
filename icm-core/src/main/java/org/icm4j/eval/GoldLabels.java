package org.icm4j.eval;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableSortedMap;
import java.util.Map;
import java.util.Optional;
import org.icm4j.LabelSpace;
import org.jspecify.annotations.Nullable;

/**
 * Gold labels (example id to label name) for <em>evaluation only</em>. Immutable and thread-safe.
 *
 * <p>ICM is unsupervised: gold labels must never reach the search. The {@code Icm} builder does
 * not accept this type, {@link org.icm4j.Example} has no field for it, and {@link
 * org.icm4j.io.Jsonl#readExamples(java.nio.file.Path)} rejects example lines that carry a
 * {@code label} or {@code gold} field. Use gold labels only after a run, to measure it with {@link
 * Evaluation}. Read them from a file with {@link
 * org.icm4j.io.Jsonl#readGoldLabels(java.nio.file.Path, LabelSpace)}.
 *
 * <p>{@link #asMap()} iterates in id order ({@link String#compareTo}).
 */
public final class GoldLabels {
  private final LabelSpace labelSpace;
  private final ImmutableSortedMap<String, String> labels;

  private GoldLabels(LabelSpace labelSpace, ImmutableSortedMap<String, String> labels) {
    this.labelSpace = labelSpace;
    this.labels = labels;
  }

  /**
   * Creates gold labels.
   *
   * @param labelSpace the label space every gold label belongs to
   * @param labels example id to gold label name (copied); ids non-blank, labels in {@code
   *     labelSpace}; may be empty
   * @return the gold labels
   * @throws IllegalArgumentException naming the id, the label and the label space when a label is
   *     not in the space, or naming the id when it is blank
   * @throws NullPointerException if an argument, key or value is null
   */
  public static GoldLabels of(LabelSpace labelSpace, Map<String, String> labels) {
    requireNonNull(labelSpace, "labelSpace");
    requireNonNull(labels, "labels");
    ImmutableSortedMap.Builder<String, String> copy = ImmutableSortedMap.naturalOrder();
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String id = requireNonNull(e.getKey(), "gold label id");
      String label = requireNonNull(e.getValue(), () -> "gold label of example '" + id + "'");
      checkArgument(!id.isBlank(), "gold label ids must not be blank, but was '%s'", id);
      checkArgument(
          labelSpace.contains(label),
          "gold label '%s' of example '%s' is not in the label space %s",
          label,
          id,
          labelSpace.names());
      copy.put(id, label);
    }
    return new GoldLabels(labelSpace, copy.buildOrThrow());
  }

  /**
   * The label space of the gold labels.
   *
   * @return the label space of the gold labels
   */
  public LabelSpace labelSpace() {
    return labelSpace;
  }

  /**
   * The gold label of an example.
   *
   * @param id the example id
   * @return its gold label name, or empty when it has none
   */
  public Optional<String> label(String id) {
    return Optional.ofNullable(labels.get(requireNonNull(id, "id")));
  }

  /**
   * Example id to gold label name, unmodifiable, in id order.
   *
   * @return example id to gold label name, unmodifiable, in id order
   */
  public Map<String, String> asMap() {
    return labels;
  }

  /**
   * Number of examples with a gold label.
   *
   * @return number of examples with a gold label
   */
  public int size() {
    return labels.size();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof GoldLabels other
        && labelSpace.equals(other.labelSpace)
        && labels.equals(other.labels);
  }

  @Override
  public int hashCode() {
    return 31 * labelSpace.hashCode() + labels.hashCode();
  }

  /** A summary (size and label space); does not list the labels. */
  @Override
  public String toString() {
    return "GoldLabels{size=" + labels.size() + ", labelSpace=" + labelSpace.names() + "}";
  }
}
