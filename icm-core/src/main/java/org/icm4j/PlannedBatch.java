package org.icm4j;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One batch of a {@link BatchPlan}: its place in the plan, a stable key and its examples' ids.
 *
 * <p>The key is the first 16 hex digits of the SHA-256 of the batch's example ids in id order. The
 * seeds of the batch's chains derive from the run's seed and this key (not from the batch's place),
 * so {@link Icm#runBatch} gives the batch the labels it gets inside {@link Icm#run}, wherever and
 * in whatever order the batches run. A value: immutable and thread-safe.
 *
 * @param index the batch's place in the plan, from 0
 * @param planSize how many batches the plan has
 * @param key the stable key (16 lower-case hex digits)
 * @param exampleIds the batch's example ids in id order: whole groups
 */
public record PlannedBatch(int index, int planSize, String key, List<String> exampleIds) {
  /**
   * Checks the components and copies the collections.
   *
   * @param index the batch's place in the plan, from 0
   * @param planSize how many batches the plan has
   * @param key the stable key (16 lower-case hex digits)
   * @param exampleIds the batch's example ids in id order: whole groups
   */
  public PlannedBatch {
    requireNonNull(key, "key");
    exampleIds = List.copyOf(requireNonNull(exampleIds, "exampleIds"));
    if (index < 0 || index >= planSize) {
      throw new IllegalArgumentException(
          "batch index " + index + " is outside the plan of " + planSize + " batches");
    }
    if (!key.matches("[0-9a-f]{16}")) {
      throw new IllegalArgumentException(
          "batch key '" + key + "' is not 16 lower-case hex digits: take keys from Icm.plan");
    }
    if (exampleIds.isEmpty()) {
      throw new IllegalArgumentException("batch " + index + " has no examples");
    }
  }
}
