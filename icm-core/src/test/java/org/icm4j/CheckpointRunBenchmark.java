package org.icm4j;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.PlantedWorld;

/**
 * What checkpoints cost a whole run (docs/benchmarks.md, "Checkpoint cost"): 20,000 examples in
 * 100 batches of 200 through {@link Icm#run} with a scorer of fixed rows (next to no scorer time),
 * without and with a checkpoint every 10 iterations, the two alternating; the first pair warms up,
 * medians of the rest, in wall-clock and CPU seconds of the calling thread (which runs the chain). Public API only, so that the same file runs on an older commit. Run with
 * {@code mvn -B -q -pl icm-core exec:java -Dexec.mainClass=org.icm4j.CheckpointRunBenchmark
 * -Dexec.args="3 50"} after {@code test-compile} (repetitions; iterations per batch of the paper's
 * annealing, or {@code default} for the default search).
 */
public final class CheckpointRunBenchmark {
  private CheckpointRunBenchmark() {}

  private static final int EVERY = 10;

  /** Each example's own fixed row, whatever the context. Thread-safe. */
  static final class FixedRows implements LabelScorer {
    private static double[] row(Example e) {
      double p = 0.05 + 0.9 * Math.floorMod(e.id().hashCode() * 31 + e.prompt().length(), 997) / 997.0;
      return new double[] {Math.log(p), Math.log1p(-p)};
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      return ScoreResult.of(requests.stream().map(r -> row(r.query())).toList());
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
      return ScoreResult.of(labelled.stream().map(l -> row(l.example())).toList());
    }
  }

  /** The run: the default search ({@code iterations <= 0}) or the paper's annealing. */
  private static Icm.Builder run(int iterations) {
    Icm.Builder b =
        Icm.builder().scorer(new FixedRows()).rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"))
            .batchSize(200).seed(1);
    return iterations > 0 ? b.search(Searches.paper().withIterations(iterations)) : b;
  }

  /** Wall-clock and CPU seconds of a run on this thread (the run has one chain and no executor). */
  private static double[] seconds(Supplier<IcmResult> run) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu = threads.getCurrentThreadCpuTime();
    long t = System.nanoTime();
    IcmResult r = run.get();
    if (!r.isComplete()) {
      throw new IllegalStateException("the run did not complete: " + r.status());
    }
    return new double[] {(System.nanoTime() - t) / 1e9, (threads.getCurrentThreadCpuTime() - cpu) / 1e9};
  }

  static double median(List<Double> xs) {
    double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  public static void main(String[] args) throws IOException {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int iterations = args.length > 1 && !args[1].equals("default") ? Integer.parseInt(args[1]) : 0;
    PlantedWorld world = PlantedWorld.generate(PlantedWorld.Spec.standard(5000, 1));
    System.out.printf(
        "%d examples in batches of 200, fixed-row scorer, %s; without and with a checkpoint every %d"
            + " iterations, alternating, median of %d after 1 warm-up pair%n",
        world.examples().size(),
        iterations > 0 ? "the paper's annealing, " + iterations + " iterations per batch" : "the default search",
        EVERY, reps);
    Path dir = Files.createTempDirectory("icm4j-checkpoint-run-bench");
    try {
      List<Double> without = new ArrayList<>();
      List<Double> with = new ArrayList<>();
      List<Double> withoutCpu = new ArrayList<>();
      List<Double> withCpu = new ArrayList<>();
      long bytes = 0;
      for (int r = 0; r <= reps; r++) {
        double[] a = seconds(() -> run(iterations).build().run(world.examples()));
        Path file = dir.resolve("run-" + r + ".ckpt");
        double[] b = seconds(() -> run(iterations).checkpoint(file, EVERY).build().run(world.examples()));
        bytes = Files.size(file);
        Files.delete(file);
        if (r > 0) { // the first pair warms up
          without.add(a[0]);
          withoutCpu.add(a[1]);
          with.add(b[0]);
          withCpu.add(b[1]);
        }
      }
      System.out.printf(
          "wall-clock: without %.2f s, with %.2f s: %.2fx; CPU: without %.2f s, with %.2f s: %.2fx;"
              + " the complete checkpoint file %,d bytes%n",
          median(without), median(with), median(with) / median(without), median(withoutCpu),
          median(withCpu), median(withCpu) / median(withoutCpu), bytes);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
