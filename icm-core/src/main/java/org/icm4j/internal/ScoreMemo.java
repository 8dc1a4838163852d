package org.icm4j.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A chain's memory of scores it already asked for, least recently used first out: the mutual
 * predictability of a labeling with the leave-one-out rows behind it, and the row of a prediction
 * (an example given every other labelled example). Exact because a {@link
 * org.icm4j.spi.LabelScorer} is deterministic by contract.
 *
 * <p>A key is the labeling as a string of one char per example: {@code 1} for unlabelled, {@code
 * y + 2} for label {@code y}, and, in a prediction's key, {@code 0} at the queried example (whose
 * own label is not part of its context). Java stores such a string with one byte per char while
 * the label space has at most 254 labels, so an entry costs about one byte per example of the
 * batch, plus about 100 bytes of map overhead, plus 8 bytes per label for a prediction's row, and
 * for a labeling 8 bytes per label and example for its leave-one-out rows.
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

  /** A labeling's P and its leave-one-out rows (flattened by example index, NaN where unlabelled). */
  private record Evaluated(double mutualPredictability, double @Nullable [] rows) {}

  /** The remembered mutual predictability of this labeling, if any. */
  @Nullable Double mutualPredictability(int[] labels) {
    Evaluated e = (Evaluated) find(key(labels, -1));
    return e == null ? null : e.mutualPredictability();
  }

  /** The remembered leave-one-out rows of this labeling by example index, if any (a copy). */
  double @Nullable [] @Nullable [] leaveOneOutRows(int[] labels) {
    Evaluated e = (Evaluated) find(key(labels, -1));
    if (e == null || e.rows() == null) {
      return null;
    }
    double[] flat = e.rows();
    int k = flat.length / labels.length;
    double[][] rows = new double[labels.length][];
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= 0) {
        rows[i] = java.util.Arrays.copyOfRange(flat, i * k, (i + 1) * k);
      }
    }
    return rows;
  }

  void putMutualPredictability(int[] labels, double mutualPredictability) {
    put(key(labels, -1), new Evaluated(mutualPredictability, null));
  }

  /** Remembers a labeling's P with its leave-one-out rows by example index ({@code null}: unlabelled). */
  void putLeaveOneOut(int[] labels, double mutualPredictability, double[] @Nullable [] rows, int labelCount) {
    double[] flat = new double[labels.length * labelCount];
    java.util.Arrays.fill(flat, Double.NaN);
    for (int i = 0; i < labels.length; i++) {
      if (rows[i] != null) {
        System.arraycopy(rows[i], 0, flat, i * labelCount, labelCount);
      }
    }
    put(key(labels, -1), new Evaluated(mutualPredictability, flat));
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
