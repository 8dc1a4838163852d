package org.icm4j.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icm4j.Example;

/** Splits a data set into batches of whole groups. */
final class Batches {
  private Batches() {}

  /**
   * Groups in id order are shuffled with the seed, then packed greedily into batches of at most
   * {@code batchSize} examples; each batch is returned in example-id order. The result depends on
   * the set of examples and the seed, not on their order.
   */
  static List<List<Example>> partition(List<Example> sortedExamples, int batchSize, long seed) {
    if (sortedExamples.size() <= batchSize) {
      return List.of(sortedExamples);
    }
    Map<String, List<Example>> groups = new TreeMap<>();
    for (Example e : sortedExamples) {
      groups.computeIfAbsent(e.group(), g -> new ArrayList<>()).add(e);
    }
    List<List<Example>> order = new ArrayList<>(groups.values());
    for (Map.Entry<String, List<Example>> g : groups.entrySet()) {
      if (g.getValue().size() > batchSize) {
        throw new IllegalArgumentException(
            "group '"
                + g.getKey()
                + "' has "
                + g.getValue().size()
                + " examples, more than batchSize "
                + batchSize
                + ": groups are never split; raise batchSize or split the group");
      }
    }
    SplitMix64 rng = new SplitMix64(SplitMix64.derive(seed, 0xBA7C4L));
    for (int i = order.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      List<Example> tmp = order.get(i);
      order.set(i, order.get(j));
      order.set(j, tmp);
    }
    List<List<Example>> batches = new ArrayList<>();
    List<Example> current = new ArrayList<>();
    for (List<Example> g : order) {
      if (current.size() + g.size() > batchSize) {
        batches.add(current);
        current = new ArrayList<>();
      }
      current.addAll(g);
    }
    if (!current.isEmpty()) {
      batches.add(current);
    }
    for (List<Example> b : batches) {
      b.sort(Comparator.comparing(Example::id));
    }
    return batches;
  }

}
