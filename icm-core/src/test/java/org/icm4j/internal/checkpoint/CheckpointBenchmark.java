package org.icm4j.internal.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.icm4j.LabelSpace;
import org.icm4j.internal.SplitMix64;
import org.icm4j.result.IterationRecord;
import org.icm4j.spi.search.ChainCheckpoint;

/**
 * The cost of a checkpoint write per iteration (docs/benchmarks.md, "Checkpoint cost"): one chain
 * of 10,000 iterations on a batch of 256 examples, a checkpoint every 10 iterations, written by the
 * format-2 writer (this file keeps a copy of it: the whole state re-serialized into a temporary
 * file moved over the checkpoint) and by the journal ({@link CheckpointStore}), alternating, each
 * write timed with the building of its {@link ChainCheckpoint}; the cost per iteration over
 * iterations 1-1,000 and 9,001-10,000, medians of the repetitions. Run with {@code mvn -B -q -pl
 * icm-core exec:java -Dexec.mainClass=org.icm4j.internal.checkpoint.CheckpointBenchmark -Dexec.args=5}
 * (repetitions) after {@code test-compile}. {@code org.icm4j.CheckpointRunBenchmark} measures
 * whole runs.
 */
public final class CheckpointBenchmark {
  private CheckpointBenchmark() {}

  private static final int N = 256;
  private static final int ITERATIONS = 10_000;
  private static final int EVERY = 10;

  /** The format-2 writer, as it was: every write serializes the whole state. */
  static final class FormatTwoWriter {
    record Data(
        int format,
        String fingerprint,
        List<CheckpointStore.FinishedBatch> finished,
        int currentBatch,
        List<CheckpointStore.ChainData> chains) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Map<Integer, CheckpointStore.ChainData> chains = new TreeMap<>();

    FormatTwoWriter(Path file) {
      this.file = file;
    }

    void updateChain(CheckpointStore.ChainData data) {
      chains.put(data.chain(), data);
      Data d = new Data(2, "f".repeat(32), List.of(), 0, List.copyOf(chains.values()));
      Path dir = file.toAbsolutePath().getParent();
      try {
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        JSON.writeValue(tmp.toFile(), d);
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static CheckpointStore.Expected expected() {
    List<String> ids = new ArrayList<>();
    List<CheckpointStore.ExampleDigest> digests = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      ids.add(String.format("q%04d-c%d", i / 4, i % 4));
      digests.add(new CheckpointStore.ExampleDigest(ids.get(i), "00000000", "00000000", "00000000"));
    }
    return new CheckpointStore.Expected(
        "f".repeat(32), Map.of("seed", "1"), digests, List.of(ids), LabelSpace.binary(), 1, 50, 1, ITERATIONS, true);
  }

  /**
   * Milliseconds of checkpoint work per iteration over iterations 1-1,000, 9,001-10,000 and all
   * 10,000 (every write counted, compactions too), and the median single write in the first two.
   */
  record Cost(double early, double late, double all, double earlyWrite, double lateWrite) {}

  /** One simulated chain: its history grows by a record per iteration; a write every 10. */
  static Cost chain(Consumer<CheckpointStore.ChainData> write) {
    List<IterationRecord> history = new ArrayList<>();
    int[] labels = new int[N];
    Arrays.fill(labels, -1);
    List<Double> early = new ArrayList<>();
    List<Double> late = new ArrayList<>();
    double total = 0;
    int accepted = 0;
    for (int it = 1; it <= ITERATIONS; it++) {
      boolean accept = it % 3 == 0;
      accepted += accept ? 1 : 0;
      labels[(it * 37) % N] = it % 2;
      history.add(
          new IterationRecord(it, 10 / (1 + 2 * Math.log(1 + accepted)), String.format("q%04d-c%d", (it * 37) % N / 4, it % 4),
              "True", it % 4, accept, 125.72 + it * 1e-4, 2.5144 + it * 1e-6, it % 3, Math.min(N, 8 + it / 10)));
      if (it % EVERY == 0) {
        long t = System.nanoTime();
        ChainCheckpoint cp =
            new ChainCheckpoint(it, accepted, labels, 2.5144, history, labels, 2.5145);
        write.accept(
            CheckpointStore.ChainData.of(0, SplitMix64.derive(1, 0, 0), false, cp, -1, it * 31L, new long[] {it, it * 9L, 0}));
        double ms = (System.nanoTime() - t) / 1e6;
        total += ms;
        if (it <= 1000) {
          early.add(ms);
        } else if (it > ITERATIONS - 1000) {
          late.add(ms);
        }
      }
    }
    return new Cost(
        sum(early) / 1000, sum(late) / 1000, total / ITERATIONS, median(early), median(late));
  }

  private static double sum(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).sum();
  }

  static double median(List<Double> xs) {
    double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double median(List<Cost> costs, ToDoubleFunction<Cost> f) {
    return median(costs.stream().map(f::applyAsDouble).toList());
  }

  private static void row(String writer, List<Cost> costs) {
    System.out.printf(
        "| %s | %.4f | %.4f | %.4f | %.3f ms | %.3f ms |%n",
        writer, median(costs, Cost::early), median(costs, Cost::late), median(costs, Cost::all),
        median(costs, Cost::earlyWrite), median(costs, Cost::lateWrite));
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  public static void main(String[] args) throws IOException {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path dir = Files.createTempDirectory("icm4j-checkpoint-bench");
    try {
      System.out.printf(
          "checkpoint cost per iteration: one chain, n = %d, a write every %d iterations, %d iterations;"
              + " median of %d runs after 1 warm-up each%n",
          N, EVERY, ITERATIONS, reps);
      chain(new FormatTwoWriter(dir.resolve("warm2.json"))::updateChain); // warm-up
      try (CheckpointStore s = CheckpointStore.open(dir.resolve("warm3.ckpt"), expected())) {
        chain(d -> s.updateChain(0, d, false));
      }
      List<Cost> old = new ArrayList<>();
      List<Cost> now = new ArrayList<>();
      for (int r = 0; r < reps; r++) {
        old.add(chain(new FormatTwoWriter(dir.resolve("old-" + r + ".json"))::updateChain));
        try (CheckpointStore s = CheckpointStore.open(dir.resolve("new-" + r + ".ckpt"), expected())) {
          now.add(chain(d -> s.updateChain(0, d, false)));
        }
      }
      System.out.println(
          "| writer | ms/iteration, iterations 1-1,000 | ms/iteration, 9,001-10,000 | ms/iteration, all 10,000"
              + " | median write, 1-1,000 | median write, 9,001-10,000 |");
      System.out.println("|---|---|---|---|---|---|");
      row("format 2 (whole state per write)", old);
      row("format 3 (journal)", now);
      System.out.printf(
          "format 2 / format 3 per iteration: %.1fx at 1k, %.1fx at 10k, %.1fx over all%n",
          median(old, Cost::early) / median(now, Cost::early), median(old, Cost::late) / median(now, Cost::late),
          median(old, Cost::all) / median(now, Cost::all));
    } finally {
      delete(dir);
    }
  }
}
