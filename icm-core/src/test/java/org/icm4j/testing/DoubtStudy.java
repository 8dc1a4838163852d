package org.icm4j.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.icm4j.Icm;
import org.icm4j.Rules;
import org.icm4j.eval.Evaluation;
import org.icm4j.result.AlternativeLabeling;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IcmWarning;

/**
 * The competing-concept world at several saliences of the second concept: where each default run
 * ends, what it says, and how close the labelings it met came. {@code main(groups, seeds,
 * ratios...)} prints one line per run.
 */
public final class DoubtStudy {
  private DoubtStudy() {}

  /** One run's outcome. */
  public record Outcome(
      double ratio,
      long seed,
      double truth,
      double competing,
      double keptP,
      double bestAltRatio,
      double bestAltDisagreement,
      boolean warned,
      List<IcmWarning> warnings,
      IcmResult result) {}

  public static Outcome run(int groups, double ratio, long seed) {
    PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.competing(groups, ratio, seed));
    Icm icm = Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).seed(seed).build();
    IcmResult r = icm.run(w.examples());
    BatchSummary b = r.batches().get(0);
    double altRatio = Double.NaN;
    double altDis = Double.NaN;
    for (AlternativeLabeling a : b.alternatives()) {
      if (a.inconsistency() <= b.inconsistency()) {
        altRatio = a.mutualPredictability() / b.mutualPredictability();
        altDis = a.disagreement();
        break;
      }
    }
    boolean warned =
        r.warnings().stream().anyMatch(x -> x.kind() == IcmWarning.Kind.COMPETING_LABELING);
    return new Outcome(
        ratio,
        seed,
        Evaluation.agreement(r.labels(), w.gold()),
        Evaluation.agreement(r.labels(), w.competingLabels()),
        b.mutualPredictability(),
        altRatio,
        altDis,
        warned,
        r.warnings(),
        r);
  }

  /** The worlds with a unique answer: planted (with and without rules), the optimum study, arithmetic. */
  static void unique(int seeds) {
    for (boolean rules : new boolean[] {true, false}) {
      for (int s = 0; s < seeds; s++) {
        PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(64, 1000 + s));
        Icm.Builder b = Icm.builder().scorer(w.scorer()).seed(s);
        if (rules) {
          b.rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"));
        }
        print("planted rules=" + rules + " seed " + s, b.build().run(w.examples()));
      }
    }
    int i = 0;
    for (OptimumStudy.Instance in : OptimumStudy.instances(200, 2025)) {
      print("optimum " + (i++) + " rules=" + in.rules(), OptimumStudy.builder(in).build().run(in.world().examples()));
    }
    for (long seed = 1; seed <= 5; seed++) {
      ArithmeticWorld world = ArithmeticWorld.newcomer(seed);
      print("arithmetic " + seed,
          Icm.builder().scorer(world.scorer()).rule(ArithmeticWorld.differentAnswersNotBothTrue())
              .rule(ArithmeticWorld.someAnswerTrue()).seed(seed).build().run(world.examples()));
    }
  }

  static void print(String what, IcmResult r) {
    for (BatchSummary b : r.batches()) {
      StringBuilder alts = new StringBuilder();
      for (AlternativeLabeling a : b.alternatives()) {
        alts.append(String.format(Locale.ROOT, " [P/P %.3f dis %.3f sup %.2f/%.2f=%.3f I %d vs %d]",
            a.mutualPredictability() / b.mutualPredictability(), a.disagreement(), a.ownSupport(), a.keptSupport(),
            a.ownSupport() / a.keptSupport(), a.inconsistency(), b.inconsistency()));
      }
      System.out.println(String.format(Locale.ROOT, "%s P %.3f%s %s", what, b.mutualPredictability(), alts,
          r.warnings().stream().map(x -> x.kind().name()).toList()));
    }
  }

  /**
   * Trusted labels taken from the top {@code k} suggestions of a first run against {@code k} random
   * examples, each labelled by the world's truth: the share of seeds whose second run agrees with
   * the intended concept on >= 95% of the examples that are not trusted.
   */
  static void suggest(int groups, int seeds, int k, double ratio) {
    int bySuggestion = 0;
    int byRandom = 0;
    for (long seed = 1; seed <= seeds; seed++) {
      PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.competing(groups, ratio, seed));
      IcmResult first = Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).seed(seed).build().run(w.examples());
      java.util.Map<String, String> given = new java.util.HashMap<>();
      for (org.icm4j.result.LabelSuggestion x : first.suggestions().subList(0, Math.min(k, first.suggestions().size()))) {
        given.put(x.exampleId(), w.gold().label(x.exampleId()).orElseThrow());
      }
      bySuggestion += second(w, seed, given) >= 0.95 ? 1 : 0;
      java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
      java.util.List<org.icm4j.Example> pool = new ArrayList<>(w.examples());
      java.util.Map<String, String> random = new java.util.HashMap<>();
      while (random.size() < k) {
        org.icm4j.Example e = pool.remove(rng.nextInt(pool.size()));
        random.put(e.id(), w.gold().label(e.id()).orElseThrow());
      }
      byRandom += second(w, seed, random) >= 0.95 ? 1 : 0;
    }
    System.out.printf(Locale.ROOT, "ratio %.2f, %d groups, k = %d: top-k suggestions %d of %d seeds >= 0.95, k random %d of %d%n",
        ratio, groups, k, bySuggestion, seeds, byRandom, seeds);
  }

  private static double second(PlantedWorld w, long seed, java.util.Map<String, String> given) {
    org.icm4j.Labeling trusted = org.icm4j.Labeling.of(org.icm4j.LabelSpace.binary(), given);
    IcmResult r = Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).seed(seed).trustedLabels(trusted).build().run(w.examples());
    return Evaluation.agreement(r.labels(), w.gold(), trusted);
  }

  /**
   * Where trusted labels go when the data set is labelled in batches: the engine spreads the groups
   * that hold them evenly; against it, the batches of a plain seeded shuffle of the groups, each run
   * with the trusted labels that fell into it. {@code k} random examples get their true labels.
   */
  static void placement(int groups, int batchGroups, int seeds, int k, double ratio) {
    double spreadSum = 0;
    double shuffleSum = 0;
    int spreadBatches = 0;
    int shuffleBatches = 0;
    int batches = 0;
    for (long seed = 1; seed <= seeds; seed++) {
      PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.competing(groups, ratio, seed));
      java.util.SplittableRandom rng = new java.util.SplittableRandom(seed * 31);
      java.util.List<org.icm4j.Example> pool = new ArrayList<>(w.examples());
      java.util.Map<String, String> given = new java.util.HashMap<>();
      while (given.size() < k) {
        org.icm4j.Example e = pool.remove(rng.nextInt(pool.size()));
        given.put(e.id(), w.gold().label(e.id()).orElseThrow());
      }
      org.icm4j.Labeling trusted = org.icm4j.Labeling.of(org.icm4j.LabelSpace.binary(), given);
      IcmResult spread = Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).seed(seed)
          .batchSize(batchGroups * 4).trustedLabels(trusted).build().run(w.examples());
      for (BatchSummary b : spread.batches()) {
        double a = batchAgreement(spread.labels(), w, b.exampleIds(), given);
        spreadSum += a;
        spreadBatches += a >= 0.95 ? 1 : 0;
        batches++;
      }
      // the plain shuffle: groups in a seeded order, cut into batches
      java.util.List<String> order = new ArrayList<>();
      for (int g = 0; g < groups; g++) {
        order.add(String.format("q%04d", g));
      }
      java.util.Collections.shuffle(order, new java.util.Random(seed));
      for (int from = 0; from < groups; from += batchGroups) {
        java.util.Set<String> chosen = new java.util.HashSet<>(order.subList(from, Math.min(groups, from + batchGroups)));
        java.util.List<org.icm4j.Example> batch = w.examples().stream().filter(e -> chosen.contains(e.group())).toList();
        java.util.Map<String, String> inBatch = new java.util.HashMap<>();
        batch.forEach(e -> { if (given.containsKey(e.id())) inBatch.put(e.id(), given.get(e.id())); });
        Icm.Builder b = Icm.builder().scorer(w.scorer()).rule(Rules.exactlyOne()).seed(seed * 100 + from);
        if (!inBatch.isEmpty()) {
          b.trustedLabels(org.icm4j.Labeling.of(org.icm4j.LabelSpace.binary(), inBatch));
        }
        IcmResult r = b.build().run(batch);
        double a = batchAgreement(r.labels(), w, batch.stream().map(org.icm4j.Example::id).toList(), given);
        shuffleSum += a;
        shuffleBatches += a >= 0.95 ? 1 : 0;
      }
    }
    System.out.printf(Locale.ROOT,
        "ratio %.2f, %d groups in batches of %d groups, %d random trusted labels: spread: mean batch agreement %.3f, %d of %d batches >= 0.95; plain shuffle: %.3f, %d of %d%n",
        ratio, groups, batchGroups, k, spreadSum / batches, spreadBatches, batches, shuffleSum / batches, shuffleBatches, batches);
  }

  private static double batchAgreement(org.icm4j.Labeling labels, PlantedWorld w, java.util.List<String> ids, java.util.Map<String, String> trusted) {
    int n = 0;
    int agree = 0;
    for (String id : ids) {
      if (!trusted.containsKey(id)) {
        n++;
        agree += labels.label(id).orElse("").equals(w.gold().label(id).orElseThrow()) ? 1 : 0;
      }
    }
    return (double) agree / n;
  }

  public static void main(String[] args) {
    if (args[0].equals("suggest")) {
      for (double ratio : new double[] {1.0, 1.25, 1.5}) {
        for (int k : new int[] {1, 2, 4, 8}) {
          suggest(16, 10, k, ratio);
        }
      }
      return;
    }
    if (args[0].equals("placement")) {
      placement(64, 16, 10, 16, 1.0);
      placement(64, 16, 10, 16, 1.25);
      return;
    }
    if (args[0].equals("unique")) {
      unique(Integer.parseInt(args[1]));
      return;
    }
    int groups = Integer.parseInt(args[0]);
    int seeds = Integer.parseInt(args[1]);
    List<Double> ratios = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      ratios.add(Double.parseDouble(args[i]));
    }
    for (double ratio : ratios) {
      for (long seed = 1; seed <= seeds; seed++) {
        Outcome o = run(groups, ratio, seed);
        print(String.format(Locale.ROOT, "ratio %.2f seed %d truth %.3f", ratio, seed, o.truth()), o.result());
      }
    }
  }

  /** One line per run: where it ended and whether it warned. */
  static void summary(Outcome o) {
    {
      {
        System.out.println(
            String.format(
                Locale.ROOT,
                "ratio %.2f seed %2d truth %.3f competing %.3f P %.3f alt P/P %.3f dis %.3f warned %s %s",
                o.ratio(), o.seed(), o.truth(), o.competing(), o.keptP(), o.bestAltRatio(),
                o.bestAltDisagreement(), o.warned(),
                o.warnings().stream().map(x -> x.kind().name()).toList()));
      }
    }
  }
}
