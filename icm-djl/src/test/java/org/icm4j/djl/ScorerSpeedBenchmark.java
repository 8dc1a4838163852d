package org.icm4j.djl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;

/**
 * The measurement behind icm-djl's PyTorch defaults (docs/benchmarks.md, "DjlScorer on the
 * fixture"): the wall-clock of one leave-one-out rescore of 8 labelled claims with {@link
 * DjlScorer}'s defaults on the {@code gpt2-kv} TorchScript fixture (its first call and the median
 * of the next ones), and of a search-like sequence of rescores of random subsets of 10 claims
 * (many lengths) with the CPU time they took (all of the process's threads, which contention on a
 * shared machine disturbs less than wall-clock), under several thread and graph-optimizer settings. Each setting runs in its own JVM (PyTorch's threads are set once per
 * process), the settings take turns, round after round, and the table gives the median over the
 * rounds of each JVM's median call (and its first call). Run from the repository root with
 *
 * <pre>
 * mvn -B -q -pl icm-djl -am test-compile -DskipTests
 * nice -n 10 mvn -B -q -pl icm-djl exec:java -Dexec.mainClass=org.icm4j.djl.ScorerSpeedBenchmark \
 *     -Dexec.args="3 10"
 * </pre>
 *
 * (arguments: rounds, timed calls per JVM after the first, and optionally a part of the names of
 * the settings to run, e.g. {@code "1 thread"}). The child JVMs run without {@code
 * OMP_WAIT_POLICY}, {@code OMP_NUM_THREADS} and DJL's variables, as a user's program would.
 */
public final class ScorerSpeedBenchmark {
  private ScorerSpeedBenchmark() {}

  /** The fixtures from the module directory (surefire) or the repository root (exec:java). */
  static Path fixtures() {
    Path fromModule = Path.of("src/test/resources/fixtures");
    return java.nio.file.Files.isDirectory(fromModule)
        ? fromModule
        : Path.of("icm-djl/src/test/resources/fixtures");
  }

  /** The settings compared: a name and the system properties of its JVM. */
  static final Map<String, Map<String, String>> VARIANTS = new LinkedHashMap<>();

  static {
    VARIANTS.put("no properties (the library's defaults)", Map.of());
    VARIANTS.put(
        "2 intra-op, 2 inter-op threads, optimizer on (PyTorch's defaults here)",
        Map.of(
            "ai.djl.pytorch.num_threads", "2",
            "ai.djl.pytorch.num_interop_threads", "2",
            "ai.djl.pytorch.graph_optimizer", "true"));
    VARIANTS.put(
        "1 thread, optimizer on",
        Map.of(
            "ai.djl.pytorch.num_threads", "1",
            "ai.djl.pytorch.num_interop_threads", "1",
            "ai.djl.pytorch.graph_optimizer", "true"));
    VARIANTS.put(
        "2 threads, optimizer off",
        Map.of(
            "ai.djl.pytorch.num_threads", "2",
            "ai.djl.pytorch.num_interop_threads", "2",
            "ai.djl.pytorch.graph_optimizer", "false"));
    VARIANTS.put(
        "1 thread, optimizer off",
        Map.of(
            "ai.djl.pytorch.num_threads", "1",
            "ai.djl.pytorch.num_interop_threads", "1",
            "ai.djl.pytorch.graph_optimizer", "false"));
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(Integer.parseInt(args[1]));
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String only = args.length > 2 ? args[2] : "";
    Map<String, List<double[]>> results = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (Map.Entry<String, Map<String, String>> v : VARIANTS.entrySet()) {
        if (!v.getKey().contains(only)) {
          continue;
        }
        Map<String, String> props = new LinkedHashMap<>(v.getValue());
        props.put("ai.djl.offline", "true");
        ChildJvm.Result res =
            ChildJvm.run(ScorerSpeedBenchmark.class, props, List.of("child", "" + calls), 1800);
        String line =
            res.output().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElse(null);
        if (res.exitCode() != 0 || line == null) {
          throw new IllegalStateException("child failed (" + res.exitCode() + "):\n" + res.output());
        }
        String[] f = line.split(" ");
        double[] m = {
          Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
          Double.parseDouble(f[5]), Double.parseDouble(f[6])
        };
        results.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(m);
        System.out.printf(
            Locale.ROOT,
            "round %d, %s: first %.3f s, median %.3f s, %d varied calls %.2f s (CPU %.2f s)"
                + " (threads %s)%n",
            r + 1, v.getKey(), m[0], m[1], 3 * calls, m[3], m[4], f[4]);
      }
    }
    System.out.println();
    System.out.printf(
        "| setting | 8 claims: median call, s | first call, s | %d varied calls, s | their CPU, s"
            + " | model load, s |%n",
        3 * calls);
    System.out.println("|---|---|---|---|---|---|");
    for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
      System.out.printf(
          Locale.ROOT, "| %s | %.3f | %.3f | %.2f | %.2f | %.2f |%n",
          e.getKey(), median(e.getValue(), 1), median(e.getValue(), 0), median(e.getValue(), 3),
          median(e.getValue(), 4), median(e.getValue(), 2));
    }
  }

  private static double median(List<double[]> rows, int column) {
    double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** Eight claims in four groups, as a user's first test would have them. */
  static List<LabelledExample> claims() {
    String[][] qa = {
      {"What is 2 + 3?", "5", "True"}, {"What is 2 + 3?", "6", "False"},
      {"What is 7 - 4?", "3", "True"}, {"What is 7 - 4?", "2", "False"},
      {"Is the sky green?", "no", "True"}, {"Is the sky green?", "yes", "False"},
      {"What is 3 * 3?", "9", "True"}, {"What is 3 * 3?", "6", "False"},
      {"What is 10 / 2?", "5", "True"}, {"What is 10 / 2?", "4", "False"},
      {"Is ice cold?", "yes", "True"}, {"Is ice cold?", "no", "False"},
      {"What is 8 + 1?", "9", "True"}, {"What is 8 + 1?", "7", "False"},
      {"Do fish swim?", "yes", "True"}, {"Do fish swim?", "no", "False"},
    };
    List<LabelledExample> out = new ArrayList<>();
    for (int i = 0; i < qa.length; i++) {
      Example e =
          Example.of(
              "q" + (i / 2) + "/c" + (i % 2),
              "Question: " + qa[i][0] + "\nClaim: " + qa[i][1] + "\nI think this claim is",
              "q" + (i / 2));
      out.add(new LabelledExample(e, qa[i][2]));
    }
    return out;
  }

  /**
   * A search-like sequence of leave-one-out calls: each on a random subset (2 to 10 of 10
   * claims) with random labels, so that the model sees many lengths. Returns the total seconds.
   */
  /** CPU seconds this process has used (all its threads: PyTorch's pool too). */
  static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1e9;
  }

  private static double varied(DjlScorer scorer, int calls) {
    List<LabelledExample> all = claims().subList(0, 10); // 12 can exceed the fixture's 512 tokens
    java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
    long t = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      List<LabelledExample> some = new ArrayList<>();
      for (LabelledExample le : all) {
        if (rng.nextInt(3) > 0) {
          some.add(new LabelledExample(le.example(), rng.nextBoolean() ? "True" : "False"));
        }
      }
      if (some.size() < 2) {
        some = all.subList(0, 2);
      }
      scorer.scoreLeaveOneOut(LabelSpace.binary(), some);
    }
    return (System.nanoTime() - t) / 1e9;
  }

  private static void child(int calls) {
    long t0 = System.nanoTime();
    try (DjlScorer scorer =
        DjlScorer.builder()
            .model(TorchScriptLm.load(fixtures().resolve("gpt2-kv")))
            .tokenizer(TextTokenizer.huggingFace(fixtures().resolve("tokenizer.json")))
            .build()) {
      double load = (System.nanoTime() - t0) / 1e9;
      List<LabelledExample> labelled = claims().subList(0, 8);
      long t = System.nanoTime();
      scorer.scoreLeaveOneOut(LabelSpace.binary(), labelled);
      double first = (System.nanoTime() - t) / 1e9;
      double[] times = new double[calls];
      for (int i = 0; i < calls; i++) {
        t = System.nanoTime();
        scorer.scoreLeaveOneOut(LabelSpace.binary(), labelled);
        times[i] = (System.nanoTime() - t) / 1e9;
      }
      Arrays.sort(times);
      double median = calls % 2 == 1 ? times[calls / 2] : (times[calls / 2 - 1] + times[calls / 2]) / 2;
      double cpu = cpuSeconds();
      double varied = varied(scorer, 3 * calls);
      double variedCpu = cpuSeconds() - cpu;
      System.out.printf(
          Locale.ROOT, "RESULT %.4f %.4f %.3f %d/%d %.3f %.3f%n",
          first, median, load,
          ai.djl.pytorch.jni.JniUtils.getNumThreads(), ai.djl.pytorch.jni.JniUtils.getNumInteropThreads(),
          varied, variedCpu);
    }
  }
}
