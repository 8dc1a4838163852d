package org.icm4j.djl.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Seeded sub-streams, shuffles and the validation split shared by this package's trainers. A
 * split holds out whole groups (questions), so that no question is in both parts. Stateless.
 */
final class GroupSplit {
  private GroupSplit() {}

  /**
   * The training and validation items of a split.
   *
   * @param train the items of the groups kept for training, in input order within each group
   * @param validation the items of the held-out groups
   * @param validationGroups the held-out groups, in name order
   */
  record Split<T>(List<T> train, List<T> validation, List<String> validationGroups) {}

  /**
   * Holds out a seeded share of the groups: {@code round(share * groups)}, at least one and at
   * most all but one; none when {@code share} is 0 or there are fewer than 2 groups.
   *
   * @param items the items
   * @param group the group of an item
   * @param share the share of groups to hold out, in [0, 1)
   * @param seed the seed of the choice (derive it per use)
   */
  static <T> Split<T> of(List<T> items, Function<T, String> group, double share, long seed) {
    Map<String, List<T>> groups = new TreeMap<>();
    for (T item : items) {
      groups.computeIfAbsent(group.apply(item), g -> new ArrayList<>()).add(item);
    }
    int held = 0;
    if (share > 0 && groups.size() >= 2) {
      held = (int) Math.round(share * groups.size());
      held = Math.max(1, Math.min(groups.size() - 1, held));
    }
    List<String> names = new ArrayList<>(groups.keySet());
    shuffle(names, new SplittableRandom(seed));
    List<T> validation = new ArrayList<>();
    List<T> train = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      (i < held ? validation : train).addAll(groups.get(names.get(i)));
    }
    List<String> heldGroups = new ArrayList<>(names.subList(0, held));
    Collections.sort(heldGroups);
    return new Split<>(List.copyOf(train), List.copyOf(validation), List.copyOf(heldGroups));
  }

  /** A seed for a sub-stream (the SplitMix64 finalizer over seed and salt). */
  static long derive(long seed, long salt) {
    long z = seed * 0x9E3779B97F4A7C15L + salt;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Fisher-Yates, from the last position down. */
  static <T> void shuffle(List<T> list, SplittableRandom rng) {
    for (int i = list.size() - 1; i > 0; i--) {
      Collections.swap(list, i, rng.nextInt(i + 1));
    }
  }
}
