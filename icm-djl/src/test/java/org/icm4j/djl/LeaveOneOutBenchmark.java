package org.icm4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * The benchmark of docs/benchmarks.md for icm-djl: token-forwards and wall-clock of one full
 * leave-one-out rescore in each {@link DjlScorer.LeaveOneOut} mode for n = 32 .. 256 labelled
 * examples of about 11 tokens each, on a randomly initialized {@link BlockLm} (4 layers, d = 128,
 * about 1.3M parameters); the model's forward throughput as a fraction of a float matmul's
 * GFLOP/s measured in the same run; and RSS before and after 10,000 scoring calls (after 3,000
 * warm-up calls; alone with {@code -Dexec.args=rss}, best with a fixed heap: {@code
 * MAVEN_OPTS="-Xms1g -Xmx1g"}). The plain path above n = 128 is timed on 128 of its queries and
 * scaled. Run with
 * {@code mvn -B -q -pl icm-djl -am test-compile && mvn -B -q -pl icm-djl exec:java
 * -Dexec.mainClass=org.icm4j.djl.LeaveOneOutBenchmark} (add {@code -Dexec.args="32 64"} for fewer
 * sizes).
 */
public final class LeaveOneOutBenchmark {
  private LeaveOneOutBenchmark() {}

  static final GptConfig CONFIG = new GptConfig(ToyWorld.VOCAB, 4096, 4, 4, 128, 512, 42);

  public static void main(String[] args) throws IOException {
    if (args.length > 0 && args[0].equals("rss")) {
      try (BlockLm lm = BlockLm.create(CONFIG, Device.cpu())) {
        rss(lm);
      }
      return;
    }
    int[] sizes =
        args.length == 0 ? new int[] {32, 64, 128, 256} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    System.out.printf("model: BlockLm %s, %d parameters, CPU threads %s%n",
        CONFIG, CONFIG.parameterCount(), System.getProperty("ai.djl.pytorch.num_threads", "default"));
    double matmul = matmulGflops();
    double forward = forwardGflops();
    System.out.printf(
        "float matmul 1024x1024: %.1f GFLOP/s; model forward (512 tokens): %.1f GFLOP/s = %.2f of matmul%n",
        matmul, forward, forward / matmul);

    try (BlockLm lm = BlockLm.create(CONFIG, Device.cpu())) {
      rss(lm);
      System.out.println();
      System.out.println(
          "| n | mode | token-forwards | wall-clock s | tokens vs plain | speed-up vs plain |");
      System.out.println("|---|---|---|---|---|---|");
      // warm-up
      runOnce(lm, 16, DjlScorer.LeaveOneOut.PLAIN);
      runOnce(lm, 16, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
      for (int n : sizes) {
        long[] plain = n > PLAIN_SAMPLE ? plainSampled(lm, n) : runOnce(lm, n, DjlScorer.LeaveOneOut.PLAIN);
        for (DjlScorer.LeaveOneOut mode : DjlScorer.LeaveOneOut.values()) {
          long[] r = mode == DjlScorer.LeaveOneOut.PLAIN ? plain : runOnce(lm, n, mode);
          System.out.printf(
              "| %d | %s | %d | %.2f | %.1fx fewer | %.1fx |%n",
              n, mode, r[0], r[1] / 1e9, (double) plain[0] / r[0], (double) plain[1] / r[1]);
        }
        int log2 = 32 - Integer.numberOfLeadingZeros(n - 1);
        System.out.printf("|   | bound n(log2 n + 1) example encodings = %d |   |   |   |   |%n", n * (log2 + 1));
      }
    }
  }

  /** Above this n, the plain path is timed on this many of its n queries and scaled by n / it. */
  static final int PLAIN_SAMPLE = 128;

  /**
   * The plain path at large n: its token-forwards counted exactly (every query's full context),
   * its wall-clock measured on {@link #PLAIN_SAMPLE} evenly spaced queries and scaled to n.
   */
  static long[] plainSampled(CausalLm lm, int n) {
    try (DjlScorer s =
        DjlScorer.builder().model(lm).tokenizer(ToyWorld.tokenizer())
            .leaveOneOut(DjlScorer.LeaveOneOut.PLAIN).ownsResources(false).build()) {
      List<ScoreRequest> all = s.leaveOneOutRequests(labelled(n));
      List<ScoreRequest> sample = new ArrayList<>();
      for (int i = 0; i < PLAIN_SAMPLE; i++) {
        sample.add(all.get(i * n / PLAIN_SAMPLE));
      }
      long t = System.nanoTime();
      long sampleTokens = s.score(LabelSpace.binary(), sample).tokens();
      long nanos = System.nanoTime() - t;
      WordTokenizer tok = ToyWorld.tokenizer();
      long tokens = 0;
      for (ScoreRequest r : all) {
        tokens += tok.encode(r.query().prompt()).length;
        for (LabelledExample d : r.context()) {
          tokens += tok.encode(d.example().prompt()).length + tok.encode(" " + d.label()).length
              + tok.encode("\n\n").length;
        }
      }
      System.out.printf(
          "(n=%d plain: wall-clock measured on %d of %d queries (%d token-forwards) and scaled by %.1f)%n",
          n, PLAIN_SAMPLE, n, sampleTokens, (double) n / PLAIN_SAMPLE);
      return new long[] {tokens, nanos * n / PLAIN_SAMPLE};
    }
  }

  static List<LabelledExample> labelled(int n) {
    SplittableRandom rng = new SplittableRandom(n);
    List<LabelledExample> out = new ArrayList<>();
    for (Example e : ToyWorld.examples(n)) {
      out.add(new LabelledExample(e, rng.nextBoolean() ? "True" : "False"));
    }
    return out;
  }

  /** Token-forwards and nanoseconds of one leave-one-out rescore. */
  static long[] runOnce(CausalLm lm, int n, DjlScorer.LeaveOneOut mode) {
    try (DjlScorer s =
        DjlScorer.builder().model(lm).tokenizer(ToyWorld.tokenizer()).leaveOneOut(mode)
            .ownsResources(false).build()) {
      List<LabelledExample> l = labelled(n);
      long t = System.nanoTime();
      ScoreResult r = s.scoreLeaveOneOut(LabelSpace.binary(), l);
      return new long[] {r.tokens(), System.nanoTime() - t};
    }
  }

  static double matmulGflops() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(1024, 1024));
      NDArray b = m.randomNormal(new Shape(1024, 1024));
      a.matMul(b).close();
      int reps = 20;
      long t = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        a.matMul(b).close();
      }
      double s = (System.nanoTime() - t) / 1e9;
      return reps * 2.0 * 1024 * 1024 * 1024 / s / 1e9;
    }
  }

  /** FLOPs of a forward: 2 per parameter-token for the matrices plus attention (4 T^2 d per layer). */
  static double forwardGflops() {
    int t = 512;
    try (BlockLm lm = BlockLm.create(CONFIG, Device.cpu()); NDManager m = NDManager.newBaseManager()) {
      long[] tokens = new long[t];
      for (int i = 0; i < t; i++) {
        tokens[i] = 1 + i % (ToyWorld.VOCAB - 1);
      }
      lm.forward(m, tokens, null);
      int reps = 10;
      long start = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        try (NDManager step = m.newSubManager()) {
          lm.forward(step, tokens, null);
        }
      }
      double s = (System.nanoTime() - start) / 1e9;
      long d = CONFIG.embedding();
      double matrices = 2.0 * (CONFIG.parameterCount() - (long) CONFIG.maxLength() * d) * t;
      double attention = 4.0 * CONFIG.layers() * (double) t * t * d;
      return reps * (matrices + attention) / s / 1e9;
    }
  }

  /** Calls before the first RSS reading: the JIT, allocator arenas and caches settle by then. */
  static final int WARM_UP_CALLS = 3000;

  static void rss(CausalLm lm) throws IOException {
    try (DjlScorer s =
        DjlScorer.builder().model(lm).tokenizer(ToyWorld.tokenizer()).ownsResources(false).build()) {
      List<LabelledExample> context = labelled(8);
      List<ScoreRequest> one = List.of(new ScoreRequest(ToyWorld.examples(20).get(15), context));
      for (int i = 0; i < WARM_UP_CALLS; i++) {
        s.score(LabelSpace.binary(), one);
      }
      System.gc();
      long before = rssKb();
      long min = before;
      long max = before;
      StringBuilder trace = new StringBuilder();
      long t = System.nanoTime();
      for (int i = 1; i <= 10_000; i++) {
        s.score(LabelSpace.binary(), one);
        if (i % 2000 == 0) {
          long now = rssKb();
          min = Math.min(min, now);
          max = Math.max(max, now);
          trace.append(' ').append(now / 1024);
        }
      }
      double secs = (System.nanoTime() - t) / 1e9;
      long after = rssKb();
      System.out.printf(
          "RSS over 10,000 scoring calls (8 demonstrations + query each, %.1f s, after %d warm-up"
              + " calls): before %d MB, after %d MB (%+.1f%%); every 2,000 calls:%s MB; max-min %.1f%%"
              + " of before%n",
          secs, WARM_UP_CALLS, before / 1024, after / 1024, 100.0 * (after - before) / before, trace,
          100.0 * (max - min) / before);
    }
  }

  static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
