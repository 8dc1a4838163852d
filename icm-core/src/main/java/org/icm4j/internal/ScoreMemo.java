package org.icm4j.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A chain's memory of scores it already asked for, least recently used first out. Exact because a
 * {@link org.icm4j.spi.LabelScorer} is deterministic by contract: the same labeling has the same
 * mutual predictability, and the same context and query the same row. Keys are the labels as a
 * string of one char per example (one byte each while the label space has fewer than 255 labels).
 * Not thread-safe (one per chain).
 */
final class ScoreMemo {
  /** Marks the queried example in a prediction's key; never a label's char. */
  private static final char QUERY = '\uffff';

  private final int capacity;
  private final Map<String, Object> entries;
  long hits;

  ScoreMemo(int capacity) {
    this.capacity = capacity;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
            return size() > ScoreMemo.this.capacity;
          }
        };
  }

  /** The key of a labeling's leave-one-out mutual predictability, or null when off. */
  @Nullable String labelingKey(int[] labels) {
    return capacity == 0 ? null : key(labels, -1);
  }

  /** The key of example {@code query}'s row given every other labelled example, or null when off. */
  @Nullable String predictionKey(int[] labels, int query) {
    return capacity == 0 ? null : key(labels, query);
  }

  private static String key(int[] labels, int query) {
    char[] c = new char[labels.length];
    for (int i = 0; i < labels.length; i++) {
      c[i] = (char) (labels[i] + 1);
    }
    if (query >= 0) {
      c[query] = QUERY;
    }
    return new String(c);
  }

  @Nullable Double mutualPredictability(@Nullable String key) {
    return (Double) find(key);
  }

  double @Nullable [] row(@Nullable String key) {
    double[] row = (double[]) find(key);
    return row == null ? null : row.clone();
  }

  private @Nullable Object find(@Nullable String key) {
    if (key == null) {
      return null;
    }
    Object v = entries.get(key);
    if (v != null) {
      hits++;
    }
    return v;
  }

  void put(@Nullable String key, Object value) {
    if (key != null) {
      entries.put(key, value instanceof double[] row ? row.clone() : value);
    }
  }
}
