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
    return partition(sortedExamples, batchSize, seed, java.util.Set.of());
  }

  /**
   * As {@link #partition(List, int, long)}, with the groups that hold trusted labels spread evenly:
   * after the shuffle they take evenly spaced places in the order of groups (each keeps its
   * shuffled rank among them), so every batch gets its share of them. Without such groups the
   * batches are those of {@link #partition(List, int, long)}.
   */
  static List<List<Example>> partition(
      List<Example> sortedExamples, int batchSize, long seed, java.util.Set<String> trustedGroups) {
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
    if (!trustedGroups.isEmpty()) {
      order = spread(order, trustedGroups);
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

  /** The groups in {@code order} with those in {@code marked} moved to evenly spaced places. */
  private static List<List<Example>> spread(List<List<Example>> order, java.util.Set<String> marked) {
    List<List<Example>> with = new ArrayList<>();
    List<List<Example>> without = new ArrayList<>();
    for (List<Example> g : order) {
      (marked.contains(g.get(0).group()) ? with : without).add(g);
    }
    int total = order.size();
    List<List<Example>> out = new ArrayList<>(total);
    int w = 0;
    int o = 0;
    for (int at = 0; at < total; at++) {
      // the j-th marked group goes to place floor((j + 1/2) * total / marked)
      boolean markedHere =
          w < with.size() && at == (int) Math.floor((w + 0.5) * total / with.size());
      out.add(markedHere || o >= without.size() ? with.get(w++) : without.get(o++));
    }
    return out;
  }

  /**
   * A batch's stable key: the first 16 hex digits of the SHA-256 of its example ids in id order
   * (each followed by a zero byte). It depends on the batch's examples alone, not on its place in
   * the plan, so a batch run on its own gets the seeds it gets inside a whole run.
   */
  static String key(List<String> sortedIds) {
    com.google.common.hash.Hasher h = com.google.common.hash.Hashing.sha256().newHasher();
    for (String id : sortedIds) {
      h.putString(id, java.nio.charset.StandardCharsets.UTF_8).putByte((byte) 0);
    }
    return h.hash().toString().substring(0, 16);
  }

  /** The seed of chain {@code chain} of the batch with this key, from the run's seed. */
  static long chainSeed(long runSeed, String key, int chain) {
    return SplitMix64.derive(runSeed, Long.parseUnsignedLong(key, 16), chain);
  }
}
