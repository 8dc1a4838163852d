package org.icm4j.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.icm4j.Icm;
import org.icm4j.Rules;
import org.icm4j.eval.Evaluation;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;

/**
 * Prints the planted-concept table of docs/benchmarks.md: for each search (the default, the same
 * with half its starts, and the paper's annealing with 1 and 4 chains of 1000 iterations), with and without rules, agreement with
 * the planted labels over all 256 examples (an unlabelled example counts as wrong) on 10 world
 * seeds, the scorer queries per run and per label. Run with {@code mvn -B -q -pl icm-core
 * test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=org.icm4j.testing.PlantedReport
 * -Dexec.args="10"}.
 */
public final class PlantedReport {
  private PlantedReport() {}

  /** A search to compare: its name and how it configures a builder. */
  record Variant(String name, UnaryOperator<Icm.Builder> configure) {}

  public static void main(String[] args) {
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int groups = 64;
    List<Variant> variants =
        List.of(
            new Variant("default (16 starts)", b -> b),
            new Variant("default with 8 starts", b -> b.search(Searches.multiStart().withStarts(8))),
            new Variant("paper, 1 chain", b -> b.search(Searches.paper().withIterations(1000))),
            new Variant("paper, 4 chains", b -> b.search(Searches.paper().withIterations(1000)).chains(4)));
    System.out.printf("planted concept, n=%d (groups of 4), %d world seeds%n", groups * 4, seeds);
    System.out.println(
        "| search | rules | mean agreement | min | worlds >= 0.95 | scorer queries per run | queries per"
            + " label | token-forwards per label | warnings |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (Variant v : variants) {
      for (boolean rules : new boolean[] {true, false}) {
        List<Double> agreements = new ArrayList<>();
        long queries = 0;
        long tokens = 0;
        int warned = 0;
        for (int s = 0; s < seeds; s++) {
          PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, 1000 + s));
          Icm.Builder b = Icm.builder().scorer(w.scorer()).seed(s);
          if (rules) {
            b.rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"));
          }
          IcmResult r = v.configure().apply(b).build().run(w.examples());
          agreements.add(agreementOverAll(r, w));
          queries += r.counts().scoredQueries();
          tokens += r.counts().tokens();
          warned += r.warnings().isEmpty() ? 0 : 1;
        }
        Collections.sort(agreements);
        double mean = agreements.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        long good = agreements.stream().filter(a -> a >= 0.95).count();
        int labels = groups * 4 * seeds;
        System.out.printf(
            "| %s | %s | %.3f | %.3f | %d of %d | %d | %.1f | %.1f | %d of %d runs |%n",
            v.name(), rules ? "yes" : "no", mean, agreements.get(0), good, seeds, queries / seeds,
            (double) queries / labels, (double) tokens / labels, warned, seeds);
      }
    }
  }

  /** Agreement with the planted labels over every example; an unlabelled one counts as wrong. */
  static double agreementOverAll(IcmResult r, PlantedWorld w) {
    int labelled = r.labels().labelledCount();
    return labelled == 0 ? 0 : Evaluation.agreement(r.labels(), w.gold()) * labelled / w.examples().size();
  }
}
