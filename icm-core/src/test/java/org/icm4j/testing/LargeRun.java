package org.icm4j.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.result.IcmResult;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;

/**
 * A run of {@code n} examples with default settings and a scorer on the default leave-one-out path
 * (one request per example, every other example in its context), for a child JVM with a small
 * heap: prints how it ended, after how long, and the peak heap. Run as {@code LargeRun <n>
 * [batchSize]}.
 */
public final class LargeRun {
  private LargeRun() {}

  /** n examples of no group, each a short prompt. */
  public static List<Example> examples(int n) {
    List<Example> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Example.of(String.format("e%06d", i), "Claim " + i + ". I think this claim is"));
    }
    return out;
  }

  /** Rows that depend on the query only; uses the default leave-one-out path. Thread-safe. */
  public static final LabelScorer SCORER =
      (space, requests) -> {
        List<double[]> rows = new ArrayList<>(requests.size());
        for (var r : requests) {
          double p = (r.query().id().hashCode() & 1) == 0 ? 0.7 : 0.3;
          rows.add(new double[] {Math.log(p), Math.log(1 - p)});
        }
        return ScoreResult.of(rows);
      };

  static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    List<Example> examples = examples(n);
    Icm.Builder b = Icm.builder().scorer(SCORER).seed(1);
    if (args.length > 1) {
      b.batchSize(Integer.parseInt(args[1]));
    }
    long t0 = System.nanoTime();
    String outcome;
    try {
      IcmResult r = b.build().run(examples);
      outcome = "finished: " + r.status() + ", " + r.labels().labelledCount() + " labelled";
    } catch (Throwable e) {
      outcome = "failed: " + e;
    }
    System.out.printf(
        "n=%d %s after %.2f s; peak heap %.0f MB of %.0f MB%n",
        n, outcome, (System.nanoTime() - t0) / 1e9, peakHeapBytes() / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
  }
}
