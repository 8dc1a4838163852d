package org.icm4j.spi.search;

/**
 * What an {@link ExampleSampler} may see of the current labeling: indices {@code 0..size()-1} are
 * the examples of the batch in id order. Valid only during the call it is passed to.
 */
public interface SamplerView {

  /**
   * Number of examples in the batch.
   *
   * @return number of examples in the batch
   */
  int size();

  /**
   * The label index of example {@code i}, or {@code -1} when it is unlabelled.
   *
   * @param i the i
   * @return the label index of example {@code i}, or {@code -1} when it is unlabelled
   */
  int label(int i);

  /**
   * Whether example {@code i} has a labelled group-mate (another labelled example of its group).
   *
   * @param i the i
   * @return whether example {@code i} has a labelled group-mate (another labelled example of its
   *     group)
   */
  boolean hasLabelledGroupMate(int i);
}
