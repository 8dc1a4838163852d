package org.icm4j;

import static java.util.Objects.requireNonNull;

/**
 * An example together with the label ICM currently gives it; the unit of a scorer's context.
 * Immutable and thread-safe.
 *
 * @param example the example
 * @param label the label's name, one of the run's {@link LabelSpace}
 */
public record LabelledExample(Example example, String label) {
  /**
   * Checks the components and copies the collections.
   *
   * @param example the example
   * @param label the label's name, one of the run's {@link LabelSpace}
   */
  public LabelledExample {
    requireNonNull(example, "example");
    requireNonNull(label, "label");
  }
}
