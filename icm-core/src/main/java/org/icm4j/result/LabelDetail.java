package org.icm4j.result;

import static java.util.Objects.requireNonNull;

/**
 * One example's label with how it was set and how sure the model is of it. Immutable and
 * thread-safe.
 *
 * @param exampleId the example
 * @param label its label
 * @param source whether the search or the completion after it set the label
 * @param probability the model's probability of this label given every other label of its batch
 *     as context (its leave-one-out prediction, normalized over the label space): near 1, the
 *     other labels predict it; near {@code 1 / labels}, they say nothing about it; below, they
 *     argue for another label
 */
public record LabelDetail(String exampleId, String label, LabelSource source, double probability) {
  /**
   * Checks the components and copies the collections.
   *
   * @param exampleId the example
   * @param label its label
   * @param source whether the search or the completion after it set the label
   * @param probability the model's probability of this label given every other label of its batch
   *     as context (its leave-one-out prediction, normalized over the label space): near 1, the other
   *     labels predict it; near {@code 1 / labels}, they say nothing about it; below, they argue for
   *     another label
   */
  public LabelDetail {
    requireNonNull(exampleId, "exampleId");
    requireNonNull(label, "label");
    requireNonNull(source, "source");
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException(
          "probability of example '" + exampleId + "' must be in [0, 1], but was " + probability);
    }
  }
}
