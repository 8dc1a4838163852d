package org.icm4j.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A chain's memory of scores it already asked for, least recently used first out: the mutual
 * predictability of a labeling, and the row of a prediction (an example given every other labelled
 * example). Exact because a {@link org.icm4j.spi.LabelScorer} is deterministic by contract.
 *
 * <p>A key is the labeling as a string of one char per example: {@code 1} for unlabelled, {@code
 * y + 2} for label {@code y}, and, in a prediction's key, {@code 0} at the queried example (whose
 * own label is not part of its context). Java stores such a string with one byte per char while
 * the label space has at most 254 labels, so an entry costs about one byte per example of the
 * batch, plus about 100 bytes of map overhead, plus 8 bytes per label for a prediction's row.
 * Spaces of {@link #MAX_LABELS} or more labels are not memoized.
 *
 * <p>Not thread-safe (one per chain).
 */
final class ScoreMemo {
  /** Labels whose chars ({@code y + 2}) still fit below {@code Character.MAX_VALUE}. */
  static final int MAX_LABELS = Character.MAX_VALUE - 2;

  private static final char QUERY = 0;
  private static final char UNLABELLED = 1;

  private final int capacity;
  private final Map<String, Object> entries;
  long hits;

  /**
   * @param capacity entries kept; 0 turns the memo off
   * @param labelCount size of the label space; at {@link #MAX_LABELS} or more the memo is off
   */
  ScoreMemo(int capacity, int labelCount) {
    this.capacity = labelCount < MAX_LABELS ? capacity : 0;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
            return size() > ScoreMemo.this.capacity;
          }
        };
  }

  /** Whether it remembers anything (callers skip building keys when it does not). */
  boolean enabled() {
    return capacity > 0;
  }

  /** The remembered mutual predictability of this labeling, if any. */
  @Nullable Double mutualPredictability(int[] labels) {
    return (Double) find(key(labels, -1));
  }

  void putMutualPredictability(int[] labels, double mutualPredictability) {
    put(key(labels, -1), mutualPredictability);
  }

  /** A copy of the remembered row of example {@code query} given the other labelled examples. */
  double @Nullable [] row(int[] labels, int query) {
    double[] row = (double[]) find(key(labels, query));
    return row == null ? null : row.clone();
  }

  void putRow(int[] labels, int query, double[] row) {
    put(key(labels, query), row.clone());
  }

  /** Entries held now. */
  int size() {
    return entries.size();
  }

  static String key(int[] labels, int query) {
    char[] c = new char[labels.length];
    for (int i = 0; i < labels.length; i++) {
      c[i] = labels[i] < 0 ? UNLABELLED : (char) (labels[i] + 2);
    }
    if (query >= 0) {
      c[query] = QUERY;
    }
    return new String(c);
  }

  private @Nullable Object find(String key) {
    if (!enabled()) {
      return null;
    }
    Object v = entries.get(key);
    if (v != null) {
      hits++;
    }
    return v;
  }

  private void put(String key, Object value) {
    if (enabled()) {
      entries.put(key, value);
    }
  }
}
