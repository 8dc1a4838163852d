package org.icm4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.LabelledExample;

/**
 * One question to a scorer: how likely is each label for {@code query}, after the labelled
 * examples of {@code context} in this order? Immutable and thread-safe.
 *
 * @param query the example to label
 * @param context the labelled demonstrations placed before the query, in order (copied)
 */
public record ScoreRequest(Example query, List<LabelledExample> context) {
  /**
   * Checks the components and copies the collections.
   *
   * @param query the example to label
   * @param context the labelled demonstrations placed before the query, in order (copied)
   */
  public ScoreRequest {
    requireNonNull(query, "query");
    context = List.copyOf(requireNonNull(context, "context"));
  }
}
