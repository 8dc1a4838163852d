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
import java.util.Locale;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.LeaveOneOutPlan;

/**
 * The realistic-shape benchmark of docs/benchmarks.md (issue 21): a random-weight {@link BlockLm}
 * of GPT-2-small shape (12 layers, d = 768, 12 heads, MLP 3072, vocabulary 50,257), made here from
 * a seed (no weights on disk), and full leave-one-out sweeps ({@link DjlScorer#scoreLeaveOneOut},
 * divide and conquer) over n labelled examples whose prompts have 30-50 tokens (mean about 40),
 * once one read at a time ({@code batched(false)}, the path before batching) and once batched
 * (the default), the two alternating in one process. For each it reports wall-clock, tokens/s and
 * the model FLOP/s as a fraction of a float matmul's FLOP/s measured in the same run with the same
 * threads (libtorch matmuls of the model's own shapes, before and after the sweeps), the largest
 * difference between the two paths' label log-probabilities, and the load average.
 *
 * <p>Model FLOPs of a sweep are counted from its plan, the same for both paths (the work the
 * sweep needs): 2 per weight of the attention and MLP matrices and token read, {@code 4 d} per
 * layer and attended position (scores and weighted values), and the LM head ({@code 2 d V}) for
 * each row a label is read from. The one-read-at-a-time path also runs the LM head on every token
 * it reads; that work is not counted.
 *
 * <p>Run (after {@code mvn -B -q -pl icm-djl -am install -DskipTests}):
 *
 * <pre>
 * mvn -B -q -pl icm-djl exec:java -Dexec.mainClass=org.icm4j.djl.RealisticShapeBenchmark \
 *     -Dexec.args="gpt2 3 32 64 128"          # reps, then the sizes n
 * mvn -B -q -pl icm-djl exec:java -Dexec.mainClass=org.icm4j.djl.RealisticShapeBenchmark \
 *     -Dexec.args="gpt2-batched 1 256"        # the batched path only (peak RSS of the process)
 * </pre>
 *
 * The first argument names the shape ({@code gpt2}, or {@code tiny} for the smoke test) and
 * whether the one-read-at-a-time path runs too ({@code -batched}: only the batched one); {@code
 * memory n} runs a batched sweep's schedule without the model; {@code llama DIR reps n...} runs
 * the Llama-style model of {@code scripts/make-llama-bench.py} as TorchScript from {@code DIR}
 * (made there by that script, with Debian's python3-torch, when {@code DIR} has no model.pt), one
 * read at a time (TorchScript's only path).
 */
public final class RealisticShapeBenchmark {
  private RealisticShapeBenchmark() {}

  /** GPT-2 small's shape, with positions enough for n = 256 examples of 50 + 3 tokens. */
  static final GptConfig GPT2_SMALL = new GptConfig(50257, 14336, 12, 12, 768, 3072, 2026);

  /** A tiny shape for the smoke test in the build. */
  static final GptConfig TINY = new GptConfig(512, 4096, 2, 2, 32, 128, 2026);

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /** One sweep's measurement. */
  record Sweep(long nanos, long cpuNanos, long tokens, long forwards, List<double[]> rows) {}

  /** One size's result: medians over the reps of each path, and the largest difference. */
  record Result(
      int n,
      double flops,
      long tokens,
      double oneAtATimeSeconds,
      double batchedSeconds,
      double oneAtATimeCpuSeconds,
      double batchedCpuSeconds,
      long oneAtATimeForwards,
      long batchedForwards,
      double maxDifference) {}

  public static void main(String[] args) throws IOException {
    String shape = args.length > 0 ? args[0] : "gpt2";
    if (shape.equals("memory")) {
      memory(args.length > 1 ? Integer.parseInt(args[1]) : 256);
      return;
    }
    if (shape.equals("llama")) {
      llama(
          Path.of(args[1]), Integer.parseInt(args[2]),
          Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray());
      return;
    }
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int[] sizes =
        args.length > 2
            ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {32, 64, 128};
    boolean both = !shape.endsWith("-batched");
    GptConfig config = shape.startsWith("tiny") ? TINY : GPT2_SMALL;
    PyTorchThreads.applyDefaults();
    System.out.printf(
        Locale.ROOT, "model: BlockLm %s, %,d parameters; intra-op threads %d; load average %s%n",
        config, config.parameterCount(), PyTorchThreads.intraOpThreads(), load());
    long t0 = System.nanoTime();
    try (BlockLm lm = BlockLm.create(config, Device.cpu())) {
      System.out.printf(Locale.ROOT, "model made from its seed in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      double peakBefore = matmulPeak(config, false);
      double cpuPeakBefore = matmulPeak(config, true);
      System.out.printf(
          Locale.ROOT, "matmul peak (median): %.1f GFLOP/s by wall-clock, %.1f by thread CPU time; load %s%n",
          peakBefore / 1e9, cpuPeakBefore / 1e9, load());
      List<Result> results = new ArrayList<>();
      for (int n : sizes) {
        results.add(measure(lm, config, n, reps, both));
      }
      double peakAfter = matmulPeak(config, false);
      double cpuPeakAfter = matmulPeak(config, true);
      double peak = Math.max(peakBefore, peakAfter);
      double cpuPeak = Math.max(cpuPeakBefore, cpuPeakAfter);
      System.out.printf(
          Locale.ROOT,
          "matmul peak after the sweeps: %.1f GFLOP/s by wall-clock, %.1f by thread CPU time; used the"
              + " higher of before and after: %.1f and %.1f; load %s%n",
          peakAfter / 1e9, cpuPeakAfter / 1e9, peak / 1e9, cpuPeak / 1e9, load());
      System.out.println();
      System.out.println(
          "By thread CPU time (the calling thread computes: one intra-op thread), against the matmul"
              + " peak by thread CPU time:");
      table(results, both, cpuPeak, true);
      System.out.println();
      System.out.println("By wall-clock, against the matmul peak by wall-clock:");
      table(results, both, peak, false);
      System.out.printf(Locale.ROOT, "peak RSS of the process (VmHWM): %d MB; load %s%n", peakRssKb() / 1024, load());
    }
  }

  static void table(List<Result> results, boolean both, double peak, boolean cpu) {
    System.out.println(
        "| n | tokens per sweep | model GFLOP per sweep | one at a time: s | tokens/s | fraction of"
            + " matmul peak | batched: s | tokens/s | fraction of matmul peak | speed-up |"
            + " forwards (one / batched) | max abs difference |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Result r : results) {
      double one = cpu ? r.oneAtATimeCpuSeconds : r.oneAtATimeSeconds;
      double many = cpu ? r.batchedCpuSeconds : r.batchedSeconds;
      System.out.printf(
          Locale.ROOT,
          "| %d | %d | %.0f | %s | %s | %s | %.1f | %.0f | %.2f | %s | %s / %d | %s |%n",
          r.n, r.tokens, r.flops / 1e9,
          both ? String.format(Locale.ROOT, "%.1f", one) : "-",
          both ? String.format(Locale.ROOT, "%.0f", r.tokens / one) : "-",
          both ? String.format(Locale.ROOT, "%.2f", r.flops / one / peak) : "-",
          many, r.tokens / many, r.flops / many / peak,
          both ? String.format(Locale.ROOT, "%.2fx", one / many) : "-",
          both ? String.valueOf(r.oneAtATimeForwards) : "-", r.batchedForwards,
          both ? String.format(Locale.ROOT, "%.2e", r.maxDifference) : "-");
    }
  }

  static Result measure(BlockLm lm, GptConfig config, int n, int reps, boolean both) {
    LabelSpace space = LabelSpace.binary();
    List<LabelledExample> labelled = examples(n, n);
    WordTokenizer tok = tokenizer(config, labelled);
    double flops = sweepFlops(config, labelled, tok);
    List<Long> one = new ArrayList<>();
    List<Long> many = new ArrayList<>();
    List<Long> oneCpu = new ArrayList<>();
    List<Long> manyCpu = new ArrayList<>();
    long tokens = 0;
    long oneForwards = 0;
    long manyForwards = 0;
    double maxDiff = 0;
    for (int rep = 0; rep < reps; rep++) {
      Sweep b = sweep(lm, tok, labelled, space, true);
      many.add(b.nanos);
      manyCpu.add(b.cpuNanos);
      tokens = b.tokens;
      manyForwards = b.forwards;
      System.out.printf(
          Locale.ROOT, "n=%d rep %d batched: %.2f s (thread CPU %.2f s), %d tokens, %d forwards; load %s%n",
          n, rep, b.nanos / 1e9, b.cpuNanos / 1e9, b.tokens, b.forwards, load());
      if (both) {
        Sweep a = sweep(lm, tok, labelled, space, false);
        one.add(a.nanos);
        oneCpu.add(a.cpuNanos);
        oneForwards = a.forwards;
        maxDiff = Math.max(maxDiff, BatchedSweepProperties.maxDifference(a.rows, b.rows));
        System.out.printf(
            Locale.ROOT,
            "n=%d rep %d one at a time: %.2f s (thread CPU %.2f s), %d tokens, %d forwards; max |diff| %.2e; load %s%n",
            n, rep, a.nanos / 1e9, a.cpuNanos / 1e9, a.tokens, a.forwards, maxDiff, load());
        if (a.tokens != b.tokens) {
          throw new AssertionError("the two paths read different tokens: " + a.tokens + " vs " + b.tokens);
        }
      }
    }
    return new Result(
        n, flops, tokens, both ? median(one) / 1e9 : 0, median(many) / 1e9,
        both ? median(oneCpu) / 1e9 : 0, median(manyCpu) / 1e9, oneForwards, manyForwards, maxDiff);
  }

  static Sweep sweep(
      BlockLm lm, TextTokenizer tok, List<LabelledExample> labelled, LabelSpace space, boolean batched) {
    try (DjlScorer s =
        DjlScorer.builder().model(lm).tokenizer(tok).batched(batched).ownsResources(false).build()) {
      long cpu = THREADS.getCurrentThreadCpuTime();
      long t = System.nanoTime();
      ScoreResult r = s.scoreLeaveOneOut(space, labelled);
      long nanos = System.nanoTime() - t;
      long cpuNanos = THREADS.getCurrentThreadCpuTime() - cpu;
      if (batched) {
        GptConfig c = lm.config();
        System.out.printf(
            Locale.ROOT, "  batched: at most %d tokens' keys and values kept at once (%.0f MB); peak RSS so far %d MB%n",
            s.peakCachedTokens(), s.peakCachedTokens() * 2.0 * c.layers() * c.embedding() * 4 / 1e6,
            peakRssKbQuietly() / 1024);
      }
      return new Sweep(nanos, cpuNanos, r.tokens(), s.forwards(), r.logProbs());
    }
  }

  /** n examples with prompts of 30 to 50 tokens (one word, one token), random labels. */
  static List<LabelledExample> examples(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<LabelledExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder p = new StringBuilder("Claim:");
      int words = 30 + rng.nextInt(21) - 5; // with the 5 words of the ending: 30-50 tokens
      for (int w = 0; w < words; w++) {
        p.append(" w").append(rng.nextInt(2000));
      }
      p.append(" I think this claim is");
      Example e = Example.of(String.format("e%03d", i), p.toString(), "q" + (i / 4));
      out.add(new LabelledExample(e, rng.nextBoolean() ? "True" : "False"));
    }
    return out;
  }

  /** A word tokenizer over the model's vocabulary that has seen every word of the examples. */
  static WordTokenizer tokenizer(GptConfig config, List<LabelledExample> labelled) {
    return tokenizer(config.vocabularySize(), labelled);
  }

  /** A word tokenizer over a vocabulary of this size that has seen every word of the examples. */
  static WordTokenizer tokenizer(int vocabularySize, List<LabelledExample> labelled) {
    WordTokenizer t = new WordTokenizer(vocabularySize);
    t.encode(" True False\n\n");
    for (LabelledExample l : labelled) {
      t.encode(l.example().prompt());
    }
    return t;
  }

  /**
   * What the model FLOPs of a read depend on.
   *
   * @param layers transformer blocks
   * @param width the hidden width d
   * @param attentionWidth query heads times head size (scores and weighted values per attended
   *     position: {@code 4 x attentionWidth} FLOPs per layer)
   * @param matrixWeights weights of the attention and MLP matrices of all layers
   * @param vocabularySize rows of the LM head
   */
  record Widths(int layers, int width, int attentionWidth, double matrixWeights, int vocabularySize) {
    static Widths of(GptConfig c) {
      double d = c.embedding();
      return new Widths(
          c.layers(), c.embedding(), c.embedding(), c.layers() * (4 * d * d + 2 * d * c.mlpHidden()),
          c.vocabularySize());
    }
  }

  /** Model FLOPs of one divide-and-conquer sweep, from its plan (see the class comment). */
  static double sweepFlops(GptConfig c, List<LabelledExample> labelled, WordTokenizer tok) {
    return sweepFlops(Widths.of(c), labelled, tok);
  }

  /** Model FLOPs of one divide-and-conquer sweep of a model of these widths. */
  static double sweepFlops(Widths c, List<LabelledExample> labelled, WordTokenizer tok) {
    org.icm4j.text.PromptTokens text =
        org.icm4j.text.PromptTokens.of(org.icm4j.text.PromptLayout.official(), tok, c.vocabularySize());
    LabelSpace space = LabelSpace.binary();
    int n = labelled.size();
    LeaveOneOutPlan plan = LeaveOneOutPlan.of(LeaveOneOutOrder.DIVIDE_AND_CONQUER, n);
    int[] end = new int[plan.steps().size() + 2];
    java.util.Map<Integer, Integer> ends = new java.util.HashMap<>();
    ends.put(LeaveOneOutPlan.EMPTY, 0);
    double flops = 0;
    for (LeaveOneOutPlan.Step step : plan.steps()) {
      if (step instanceof LeaveOneOutPlan.Extend e) {
        int t = 0;
        for (int i : e.examples()) {
          t += text.demo(labelled.get(i), space).length;
        }
        int c0 = ends.get(e.parent());
        flops += readFlops(c, c0, t, 0);
        ends.put(e.state(), c0 + t);
      } else if (step instanceof LeaveOneOutPlan.Query q) {
        int t = text.prompt(labelled.get(q.query()).example(), space).length;
        for (int i : q.examples()) {
          t += text.demo(labelled.get(i), space).length;
        }
        flops += readFlops(c, ends.get(q.parent()), t, 1);
      }
    }
    return flops;
  }

  /** FLOPs of reading t tokens after c cached ones, with the LM head on {@code headRows} rows. */
  static double readFlops(Widths c, long cached, long t, int headRows) {
    double attended = t * (double) cached + t * (t + 1) / 2.0; // positions attended by the t tokens
    return 2 * c.matrixWeights() * t + 4.0 * c.attentionWidth() * c.layers() * attended
        + 2.0 * c.width() * c.vocabularySize() * headRows;
  }

  /**
   * The float matmul FLOP/s of this thread setting: libtorch matmuls of the model's own shapes
   * ({@code [1024, d] x [d, 3d]}, {@code [1024, d] x [d, mlp]}, {@code [1024, mlp] x [mlp, d]}),
   * the median over 9 rounds of the fastest shape's rate.
   */
  static double matmulPeak(GptConfig c, boolean cpuTime) {
    int d = c.embedding();
    int[][] shapes = {{1024, d, 3 * d}, {1024, d, c.mlpHidden()}, {1024, c.mlpHidden(), d}};
    List<Double> rounds = new ArrayList<>();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray[][] pairs = new NDArray[shapes.length][];
      for (int s = 0; s < shapes.length; s++) {
        pairs[s] =
            new NDArray[] {
              m.randomNormal(new Shape(shapes[s][0], shapes[s][1])),
              m.randomNormal(new Shape(shapes[s][1], shapes[s][2]))
            };
        pairs[s][0].matMul(pairs[s][1]).close();
      }
      for (int round = 0; round < 9; round++) {
        double best = 0;
        for (int s = 0; s < shapes.length; s++) {
          int reps = 3;
          long t = cpuTime ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
          for (int i = 0; i < reps; i++) {
            pairs[s][0].matMul(pairs[s][1]).close();
          }
          double secs = ((cpuTime ? THREADS.getCurrentThreadCpuTime() : System.nanoTime()) - t) / 1e9;
          best = Math.max(best, reps * 2.0 * shapes[s][0] * shapes[s][1] * shapes[s][2] / secs);
        }
        rounds.add(best);
      }
    }
    return medianDouble(rounds);
  }

  static double median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    s.sort(null);
    int k = s.size();
    return k % 2 == 1 ? s.get(k / 2) : (s.get(k / 2 - 1) + s.get(k / 2)) / 2.0;
  }

  static double medianDouble(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int k = s.size();
    return k % 2 == 1 ? s.get(k / 2) : (s.get(k / 2 - 1) + s.get(k / 2)) / 2.0;
  }

  static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The keys and values a batched sweep of n examples keeps at most on the GPT-2-small shape,
   * found by running its schedule without the model (it depends only on the plan, the token counts
   * and the budget; a one-layer model of the same vocabulary and positions stands in).
   */
  static void memory(int n) {
    GptConfig stand = new GptConfig(GPT2_SMALL.vocabularySize(), GPT2_SMALL.maxLength(), 1, 1, 8, 8, 1);
    List<LabelledExample> labelled = examples(n, n);
    WordTokenizer tok = tokenizer(stand, labelled);
    try (BlockLm lm = BlockLm.create(stand, Device.cpu());
        DjlScorer s = DjlScorer.builder().model(lm).tokenizer(tok).ownsResources(false).build()) {
      long peak = s.peakCachedTokensWithoutModel(LabelSpace.binary(), labelled);
      double bytes = peak * 2.0 * GPT2_SMALL.layers() * GPT2_SMALL.embedding() * 4;
      System.out.printf(
          Locale.ROOT,
          "n=%d, default maxBatchTokens %d: at most %d tokens' keys and values kept at once: %.0f MB on"
              + " the GPT-2-small shape (12 layers x keys and values x 768 floats per token)%n",
          n, DjlScorer.DEFAULT_MAX_BATCH_TOKENS, peak, bytes / 1e6);
    }
  }

  /** The Llama-style model of scripts/make-llama-bench.py (about GPT-2-small size). */
  static final Widths LLAMA = new Widths(12, 768, 12 * 64, 12 * (2.0 * 768 * 768 + 2.0 * 768 * 256 + 3.0 * 768 * 2048), 32000);

  /**
   * Leave-one-out sweeps on the random-weight Llama-style model of {@code scripts/make-llama-bench.py}
   * as TorchScript (made by that script in {@code dir} when it has no model.pt): one read at a time,
   * the only path of a TorchScript model, against the matmul peak of its own shapes.
   */
  static void llama(Path dir, int reps, int[] sizes) throws IOException {
    if (!Files.exists(dir.resolve("model.pt"))) {
      Path script = Path.of("scripts", "make-llama-bench.py");
      if (!Files.exists(script)) {
        script = Path.of("..", "scripts", "make-llama-bench.py");
      }
      Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString()).inheritIO().start();
      try {
        if (p.waitFor() != 0) {
          throw new IOException(script + " failed (exit " + p.exitValue() + "): it needs Debian's python3-torch");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while " + script + " ran", e);
      }
    }
    PyTorchThreads.applyDefaults();
    GptConfig shapes = new GptConfig(LLAMA.vocabularySize(), 16384, 12, 12, 768, 2048, 1); // for the peak only
    try (TorchScriptLm lm = TorchScriptLm.builder(dir).build()) {
      System.out.printf(
          Locale.ROOT, "model: Llama-style TorchScript %s (12 layers, d 768, 12 query / 4 key-value heads,"
              + " SwiGLU 2048, vocabulary 32,000); intra-op threads %d; load average %s%n",
          dir, PyTorchThreads.intraOpThreads(), load());
      double peakBefore = matmulPeak(shapes, true);
      System.out.printf(Locale.ROOT, "matmul peak (median) by thread CPU time: %.1f GFLOP/s%n", peakBefore / 1e9);
      List<double[]> rows = new ArrayList<>();
      for (int n : sizes) {
        List<LabelledExample> labelled = examples(n, n);
        WordTokenizer tok = tokenizer(LLAMA.vocabularySize(), labelled);
        double flops = sweepFlops(LLAMA, labelled, tok);
        List<Long> cpu = new ArrayList<>();
        long tokens = 0;
        long forwards = 0;
        for (int rep = 0; rep < reps; rep++) {
          try (DjlScorer s =
              DjlScorer.builder().model(lm).tokenizer(tok).batched(false).ownsResources(false).build()) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            ScoreResult r = s.scoreLeaveOneOut(LabelSpace.binary(), labelled);
            long c = THREADS.getCurrentThreadCpuTime() - c0;
            cpu.add(c);
            tokens = r.tokens();
            forwards = s.forwards();
            System.out.printf(
                Locale.ROOT, "n=%d rep %d one at a time: %.2f s (thread CPU %.2f s), %d tokens, %d forwards;"
                    + " peak RSS so far %d MB; load %s%n",
                n, rep, (System.nanoTime() - t0) / 1e9, c / 1e9, tokens, forwards, peakRssKbQuietly() / 1024, load());
          }
        }
        rows.add(new double[] {n, tokens, flops, median(cpu) / 1e9, forwards});
      }
      double peak = Math.max(peakBefore, matmulPeak(shapes, true));
      System.out.printf(Locale.ROOT, "matmul peak by thread CPU time, higher of before and after: %.1f GFLOP/s%n", peak / 1e9);
      System.out.println("| n | tokens per sweep | model GFLOP per sweep | one at a time: CPU s | tokens/s | fraction of matmul peak | forwards |");
      System.out.println("|---|---|---|---|---|---|---|");
      for (double[] r : rows) {
        System.out.printf(
            Locale.ROOT, "| %.0f | %.0f | %.0f | %.1f | %.0f | %.2f | %.0f |%n",
            r[0], r[1], r[2] / 1e9, r[3], r[1] / r[3], r[2] / r[3] / peak, r[4]);
      }
      System.out.printf(Locale.ROOT, "peak RSS of the process (VmHWM): %d MB%n", peakRssKb() / 1024);
    }
  }

  static long peakRssKbQuietly() {
    try {
      return peakRssKb();
    } catch (IOException e) {
      return -1;
    }
  }

  static long peakRssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
