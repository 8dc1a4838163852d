package org.icm4j.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.icm4j.AlternativeLabeling;
import org.icm4j.BatchSummary;
import org.icm4j.Icm;
import org.icm4j.IcmResult;
import org.icm4j.IcmWarning;
import org.icm4j.Rules;
import org.icm4j.eval.Evaluation;

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

  public static void main(String[] args) {
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
