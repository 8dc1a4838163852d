package org.icm4j.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.Rules;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * Search overhead per iteration: everything but the model. The scorer is a table look-up (each
 * example's own log-probabilities, ignoring the context) whose time is measured and subtracted.
 * Prints the median of several timed runs after warm-up, for n = 256 in one batch and n = 2560 in
 * batches of 256, each without and with the score memo (the memo's own time is overhead; the runs
 * of the two alternate). Run with {@code mvn -q -pl icm-core -am test-compile exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=org.icm4j.testing.SearchOverheadBenchmark}.
 */
public final class SearchOverheadBenchmark {
  private SearchOverheadBenchmark() {}

  /** A context-free scorer that answers from a table and times itself. Not thread-safe. */
  static final class TableScorer implements LabelScorer {
    long nanos;

    private static double[] row(String id) {
      double p = 0.05 + 0.9 * ((id.hashCode() & 0x7fffffff) % 1000) / 1000.0;
      return new double[] {Math.log(p), Math.log(1 - p)};
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      long t = System.nanoTime();
      List<double[]> rows = new ArrayList<>(requests.size());
      for (ScoreRequest r : requests) {
        rows.add(row(r.query().id()));
      }
      ScoreResult result = new ScoreResult(rows, 0);
      nanos += System.nanoTime() - t;
      return result;
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
      long t = System.nanoTime();
      List<double[]> rows = new ArrayList<>(labelled.size());
      for (LabelledExample e : labelled) {
        rows.add(row(e.example().id()));
      }
      ScoreResult result = new ScoreResult(rows, 0);
      nanos += System.nanoTime() - t;
      return result;
    }
  }

  record Measurement(double totalMicrosPerIteration, double overheadMicrosPerIteration, long scorerCalls) {}

  static Measurement measure(int groups, int batchSize, int iterations, int scoreMemo) {
    PlantedWorld world = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, 1));
    TableScorer scorer = new TableScorer();
    Icm icm =
        Icm.builder().search(Searches.paper().withIterations(iterations))
            .scorer(scorer)
            .rule(Rules.exactlyOne())
            .rule(Rules.answerKey("answer"))
            .batchSize(batchSize)
            .scoreMemo(scoreMemo)
            .seed(1)
            .build();
    long t = System.nanoTime();
    IcmResult r = icm.run(world.examples());
    long total = System.nanoTime() - t;
    long its = r.counts().iterations();
    return new Measurement(
        total / 1e3 / its, (total - scorer.nanos) / 1e3 / its, r.counts().scorerCalls());
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int iterations = 1000;
    System.out.printf(
        "search overhead per iteration (table scorer, rules exactlyOne+answerKey, %d iterations per"
            + " batch, median of %d runs after 3 warm-up runs)%n",
        iterations, reps);
    System.out.println(
        "| n | batches | score memo | total us/iteration | excluding scorer us/iteration |"
            + " scorer calls/iteration |");
    System.out.println("|---|---|---|---|---|---|");
    int[] memos = {0, Icm.DEFAULT_SCORE_MEMO};
    for (int[] c : new int[][] {{64, Integer.MAX_VALUE}, {640, 256}}) {
      for (int w = 0; w < 3; w++) {
        for (int memo : memos) {
          measure(c[0], c[1], iterations, memo);
        }
      }
      double[][] total = new double[memos.length][reps];
      double[][] overhead = new double[memos.length][reps];
      Measurement[] last = new Measurement[memos.length];
      for (int i = 0; i < reps; i++) {
        for (int v = 0; v < memos.length; v++) {
          last[v] = measure(c[0], c[1], iterations, memos[v]);
          total[v][i] = last[v].totalMicrosPerIteration();
          overhead[v][i] = last[v].overheadMicrosPerIteration();
        }
      }
      int n = c[0] * 4;
      int batches = c[1] == Integer.MAX_VALUE ? 1 : (n + c[1] - 1) / c[1];
      for (int v = 0; v < memos.length; v++) {
        System.out.printf(
            "| %d | %d | %d | %.1f | %.1f | %.1f |%n",
            n, batches, memos[v], median(total[v]), median(overhead[v]),
            (double) last[v].scorerCalls() / (iterations * batches));
      }
    }
  }
}
