package org.icm4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;

/**
 * The probe behind {@link GptBlock#ATTENTION_BLOCK_FLOATS} (docs/benchmarks.md, "Realistic shape"):
 * one layer's attention of R rows (12 heads of 64) against L keys, merged into a running softmax by
 * {@link GptBlock.RunningSoftmax#merge} (the code {@link GptBlock#forwardSegments} runs), in blocks
 * of a given number of rows and keys, each block's arrays freed at its end; the thread CPU time
 * (median of 5) as a fraction of the matmul peak of {@link RealisticShapeBenchmark} (GPT-2-small's
 * shapes) on the same thread. Without per-block managers (as before 7020e59) the blocks' arrays stay
 * alive until the end, which the "kept" rows show.
 *
 * <pre>
 * mvn -B -q -pl icm-djl exec:java -Dexec.mainClass=org.icm4j.djl.AttentionBlockProbe \
 *     -Dexec.args="1024 1000 4000 9000"      # R, then the key counts L
 * </pre>
 */
public final class AttentionBlockProbe {
  private AttentionBlockProbe() {}

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private static double cpuSeconds(Runnable r) {
    r.run();
    double[] t = new double[5];
    for (int i = 0; i < t.length; i++) {
      long c = THREADS.getCurrentThreadCpuTime();
      r.run();
      t[i] = (THREADS.getCurrentThreadCpuTime() - c) / 1e9;
    }
    Arrays.sort(t);
    return t[t.length / 2];
  }

  public static void main(String[] args) {
    PyTorchThreads.applyDefaults();
    int heads = 12;
    int headSize = 64;
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int[] lengths =
        args.length > 1
            ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {1000, 4000, 9000};
    try (NDManager m = NDManager.newBaseManager()) {
      // the realistic-shape benchmark's peak: GPT-2-small's matmul shapes, median of 9 rounds
      double peak = RealisticShapeBenchmark.matmulPeak(RealisticShapeBenchmark.GPT2_SMALL, true) / 1e9;
      System.out.printf(Locale.ROOT, "matmul peak %.1f GFLOP/s (thread CPU, intra-op threads %d)%n",
          peak, PyTorchThreads.intraOpThreads());
      NDArray q = m.randomNormal(new Shape(heads, rows, headSize)).mul(0.125f);
      for (int length : lengths) {
        NDArray k = m.randomNormal(new Shape(heads, length, headSize));
        NDArray v = m.randomNormal(new Shape(heads, length, headSize));
        double flops = 4.0 * heads * rows * length * headSize;
        int[][] blocks = {
          {Math.max(1, (1 << 24) / (heads * length)), length, 0}, // the old chunks, kept
          {Math.max(1, (1 << 24) / (heads * length)), length, 1}, // the old chunks, freed
          {Math.max(1, (1 << 21) / (heads * Math.min(length, 1024))), 1024, 1} // the blocks now
        };
        for (int[] b : blocks) {
          double s = cpuSeconds(() -> attention(m, q, k, v, b[0], b[1], b[2] == 1));
          System.out.printf(
              Locale.ROOT, "R %d, L %d, blocks of %d rows x %d keys, %s: %.3f s = %.2f of the matmul peak%n",
              rows, length, Math.min(b[0], rows), Math.min(b[1], length), b[2] == 1 ? "freed" : "kept",
              s, flops / s / 1e9 / peak);
        }
        k.close();
        v.close();
      }
    }
  }

  private static void attention(
      NDManager m, NDArray q, NDArray k, NDArray v, int rowBlock, int keyBlock, boolean freed) {
    int heads = (int) q.getShape().get(0);
    int rows = (int) q.getShape().get(1);
    int length = (int) k.getShape().get(1);
    try (NDManager all = m.newSubManager()) {
      // GptBlock's own merge; the state starts at 0 / 1 as there (there the own tokens come first)
      GptBlock.RunningSoftmax run = new GptBlock.RunningSoftmax(all, heads, rows, (int) q.getShape().get(2));
      for (int from = 0; from < rows; from += rowBlock) {
        NDIndex slice = new NDIndex(":, {}:{}", from, Math.min(rows, from + rowBlock));
        for (int k0 = 0; k0 < length; k0 += keyBlock) {
          NDIndex keys = new NDIndex(":, {}:{}, :", k0, Math.min(length, k0 + keyBlock));
          NDManager block = freed ? all.newSubManager() : all;
          NDArray scores =
              GptBlock.in(block, q.get(slice)).matMul(GptBlock.in(block, k.get(keys)).transpose(0, 2, 1));
          run.merge(block, slice, scores, GptBlock.in(block, v.get(keys)));
          if (freed) {
            block.close();
          }
        }
      }
    }
  }
}
