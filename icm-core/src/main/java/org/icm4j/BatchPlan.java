package org.icm4j;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How {@link Icm#run} splits a data set into batches, computed by {@link Icm#plan} from the
 * examples' ids and groups, the batch size, the trusted labels and the seed alone. A driver that
 * spreads batches over machines computes the plan once, sends each batch's examples with its
 * {@link PlannedBatch} to a worker that calls {@link Icm#runBatch}, and joins the parts with
 * {@link Icm#merge}: the labels equal those of {@code run} on the whole data set with the same seed.
 * A value: immutable and thread-safe.
 *
 * @param batches the batches in plan order; together they hold every example once
 */
public record BatchPlan(List<PlannedBatch> batches) {
  /**
   * Checks the components and copies the collections.
   *
   * @param batches the batches in plan order; together they hold every example once
   */
  public BatchPlan {
    batches = List.copyOf(requireNonNull(batches, "batches"));
    for (int i = 0; i < batches.size(); i++) {
      PlannedBatch b = batches.get(i);
      if (b.index() != i || b.planSize() != batches.size()) {
        throw new IllegalArgumentException(
            "batch " + i + " of the plan says it is batch " + b.index() + " of " + b.planSize()
                + ": a plan lists its batches in order");
      }
    }
  }

  /**
   * The number of batches.
   *
   * @return the number of batches
   */
  public int size() {
    return batches.size();
  }

  /**
   * The batch with this key, if the plan has it.
   *
   * @param key the key
   * @return the batch with this key, if the plan has it
   */
  public Optional<PlannedBatch> batch(String key) {
    requireNonNull(key, "key");
    return batches.stream().filter(b -> b.key().equals(key)).findFirst();
  }

  /**
   * The key of the batch that holds each example, by example id.
   *
   * @return the key of the batch that holds each example, by example id
   */
  public Map<String, String> keyOf() {
    Map<String, String> out = new HashMap<>();
    for (PlannedBatch b : batches) {
      for (String id : b.exampleIds()) {
        out.put(id, b.key());
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }
}
