package org.icm4j.internal;

import java.util.List;
import java.util.Locale;
import org.icm4j.Example;

/**
 * Refuses, before any work, a batch too large for the heap: leave-one-out scoring of a batch of
 * {@code n} examples asks for {@code n} requests of {@code n - 1} demonstrations each ({@link
 * org.icm4j.spi.LabelScorer#leaveOneOutRequests}, the default path of every scorer), whose context
 * lists alone take about {@code 4 n (n - 1)} bytes per evaluation: 1.6 GB at 20,000 examples, 40 GB
 * at 100,000. Without {@code Icm.Builder.batchSize} the whole input is one batch, so a large input
 * with default settings would run for minutes and then fail with an {@link OutOfMemoryError}. A
 * batch whose requests would take more than a quarter of the heap is refused at once, naming the
 * setting to change. Stateless and thread-safe.
 */
public final class RunLimits {
  private RunLimits() {}

  /** The share of the maximum heap that the leave-one-out requests of one batch may take. */
  static final double HEAP_SHARE = 0.25;

  /** Bytes per context entry (a compressed reference) and per request (the request, its list). */
  static final long BYTES_PER_REFERENCE = 4;

  static final long BYTES_PER_REQUEST = 64;

  /** The batch size the message suggests: what typically fits one model context. */
  static final int SUGGESTED_BATCH_SIZE = 256;

  /**
   * Checks the batches of a run against this JVM's maximum heap.
   *
   * @param batches the run's batches
   * @param batchSize the run's batch size ({@link Integer#MAX_VALUE}: not set)
   * @throws IllegalArgumentException naming the largest batch, the memory it would need, the heap,
   *     and the setting to change
   */
  public static void check(List<List<Example>> batches, int batchSize) {
    check(batches, batchSize, Runtime.getRuntime().maxMemory());
  }

  static void check(List<List<Example>> batches, int batchSize, long maxHeapBytes) {
    int largest = 0;
    for (List<Example> b : batches) {
      largest = Math.max(largest, b.size());
    }
    long need = requestBytes(largest);
    double allowed = maxHeapBytes * HEAP_SHARE;
    if (need <= allowed) {
      return;
    }
    int fits = largestFitting(maxHeapBytes);
    String what =
        batchSize == Integer.MAX_VALUE
            ? String.format(
                Locale.ROOT,
                "%,d examples in one batch (Icm.Builder.batchSize is not set, so the whole input is one"
                    + " batch)",
                largest)
            : String.format(Locale.ROOT, "a batch of %,d examples (batchSize(%d))", largest, batchSize);
    throw new IllegalArgumentException(
        String.format(
            Locale.ROOT,
            "%s is too large: leave-one-out scoring asks for %,d requests of %,d demonstrations each,"
                + " about %s per evaluation, more than a quarter of this JVM's %s heap; set"
                + " Icm.Builder.batchSize(%d) (examples per context: what fits your model's context;"
                + " at most %,d with this heap), or give the JVM more memory (-Xmx)",
            what, largest, largest - 1L, bytes(need), bytes(maxHeapBytes),
            Math.min(SUGGESTED_BATCH_SIZE, fits), fits));
  }

  /** The memory of the leave-one-out requests of a batch of {@code n}. */
  static long requestBytes(long n) {
    return n <= 1 ? 0 : n * (n - 1) * BYTES_PER_REFERENCE + n * BYTES_PER_REQUEST;
  }

  /** The largest batch whose requests fit the share of a heap. */
  static int largestFitting(long maxHeapBytes) {
    double allowed = maxHeapBytes * HEAP_SHARE;
    long n = (long) Math.sqrt(allowed / BYTES_PER_REFERENCE);
    while (n > 1 && requestBytes(n) > allowed) {
      n--;
    }
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, n));
  }

  private static String bytes(long b) {
    return b >= 1L << 30
        ? String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30))
        : String.format(Locale.ROOT, "%.0f MiB", b / (double) (1L << 20));
  }
}
