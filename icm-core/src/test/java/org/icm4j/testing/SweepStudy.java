package org.icm4j.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.Rules;
import org.icm4j.result.IcmResult;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * Where the default search's leave-one-out sweeps go, stage by stage (the 16 starts, the two
 * polishes, the mirror, the four contrast starts), and its completion calls, on the planted worlds
 * of docs/benchmarks.md (n = 256, rules). {@code main(seeds)} prints a table: sweeps (one
 * leave-one-out call each, n queries) and completion calls per stage kind, per run, and per final
 * label.
 */
public final class SweepStudy {
  private SweepStudy() {}

  public static void main(String[] args) {
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Map<String, long[]> byKind = new LinkedHashMap<>();
    long labels = 0;
    for (int s = 0; s < seeds; s++) {
      PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(64, 1000 + s));
      AtomicLong sweeps = new AtomicLong();
      AtomicLong completions = new AtomicLong();
      LabelScorer inner = w.scorer();
      LabelScorer counting =
          new LabelScorer() {
            @Override
            public ScoreResult score(LabelSpace space, List<ScoreRequest> requests) {
              completions.incrementAndGet();
              return inner.score(space, requests);
            }

            @Override
            public ScoreResult scoreLeaveOneOut(LabelSpace space, List<LabelledExample> labelled) {
              sweeps.incrementAndGet();
              return inner.scoreLeaveOneOut(space, labelled);
            }
          };
      long[] last = new long[2];
      IcmListener stages =
          new IcmListener() {
            @Override
            public void onProgress(int batch, int chain, int done, int total) {
              String kind = done <= 16 ? "starts (16)" : done <= 18 ? "polish (2)" : done == 19 ? "mirror" : "contrast starts (4)";
              long[] k = byKind.computeIfAbsent(kind, x -> new long[2]);
              k[0] += sweeps.get() - last[0];
              k[1] += completions.get() - last[1];
              last[0] = sweeps.get();
              last[1] = completions.get();
            }
          };
      IcmResult r =
          Icm.builder().scorer(counting).rule(Rules.exactlyOne()).rule(Rules.answerKey("answer")).seed(s)
              .listener(stages).build().run(w.examples());
      long[] k = byKind.computeIfAbsent("after the search (details, alternatives)", x -> new long[2]);
      k[0] += sweeps.get() - last[0];
      k[1] += completions.get() - last[1];
      labels += r.labels().labelledCount();
    }
    System.out.printf("planted worlds n = 256 with rules, %d seeds: where the default search's sweeps go%n", seeds);
    System.out.println("| stage | leave-one-out sweeps per run | share | sweeps per final label | completion calls per run |");
    System.out.println("|---|---|---|---|---|");
    long total = byKind.values().stream().mapToLong(v -> v[0]).sum();
    for (Map.Entry<String, long[]> e : byKind.entrySet()) {
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.0f%% | %.3f | %.1f |%n", e.getKey(), (double) e.getValue()[0] / seeds,
          100.0 * e.getValue()[0] / total, (double) e.getValue()[0] / labels, (double) e.getValue()[1] / seeds);
    }
    System.out.printf(Locale.ROOT, "| all | %.1f | 100%% | %.3f | |%n", (double) total / seeds, (double) total / labels);
  }
}
