package org.icm4j.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.Rules;
import org.icm4j.result.IcmResult;
import org.icm4j.search.ProposalMode;
import org.icm4j.search.RuleHandling;
import org.icm4j.search.Searches;

/**
 * How often annealing ends at the exact optimum of U on small random planted instances (n <= 12),
 * for each proposal mode. {@link #main} prints the table of docs/benchmarks.md; the test {@code
 * OptimumStudyTest} checks a smaller sample. Run with {@code mvn -q -pl icm-core -am test-compile
 * exec:java -Dexec.classpathScope=test -Dexec.mainClass=org.icm4j.testing.OptimumStudy
 * -Dexec.args="200"}.
 */
public final class OptimumStudy {
  private OptimumStudy() {}

  /** One random instance. */
  public record Instance(PlantedWorld world, boolean rules, long seed) {}

  /**
   * Hit rate and gaps of one proposal mode, and why the misses missed.
   *
   * @param frozen misses whose every label equals its own leave-one-out argmax (ARGMAX proposes no
   *     move there)
   * @param mirrors misses that ended at the mirror (True and False swapped) of the optimum
   */
  public record Outcome(
      @org.jspecify.annotations.Nullable ProposalMode mode,
      int instances,
      int hits,
      double meanGap,
      double maxGap,
      int frozen,
      int mirrors) {
    public double hitRate() {
      return (double) hits / instances;
    }
  }

  /** Random instances: 2-4 groups of 2-4 candidates (n <= 12), random saliences, rules or not. */
  public static List<Instance> instances(int count, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Instance> out = new ArrayList<>();
    while (out.size() < count) {
      int groupSize = 2 + rng.nextInt(3);
      int groups = 2 + rng.nextInt(3);
      if (groups * groupSize > 12) {
        continue;
      }
      int distractors = 1 + rng.nextInt(3);
      double[] rates = new double[distractors];
      double[] saliences = new double[distractors];
      for (int j = 0; j < distractors; j++) {
        rates[j] = 0.2 + 0.6 * rng.nextDouble();
        saliences[j] = 0.5 + 2.5 * rng.nextDouble();
      }
      PlantedWorld.Spec spec =
          new PlantedWorld.Spec(
              groups,
              groupSize,
              1 + 2 * rng.nextDouble(),
              rates,
              saliences,
              0.5 + 2 * rng.nextDouble(),
              0.05,
              0.5 + 0.3 * rng.nextDouble(),
              rng.nextDouble(),
              rng.nextLong());
      out.add(new Instance(PlantedWorld.generate(spec), rng.nextBoolean(), rng.nextLong()));
    }
    return out;
  }

  public static Icm.Builder builder(Instance in) {
    Icm.Builder b =
        Icm.builder()
            .scorer(in.world().scorer())
            .seed(in.seed())
            .initialLabels(Math.min(Icm.DEFAULT_INITIAL_LABELS, in.world().examples().size()));
    if (in.rules()) {
      b.rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"));
    }
    return b;
  }

  /** The exact optimum's U. */
  public static double optimum(Instance in) {
    return optimalLabels(in).utility();
  }

  /** The exact optimum's U among the labelings that break as few rules as possible. */
  public static double constrainedOptimum(Instance in) {
    return builder(in).search(Searches.exhaustive(RuleHandling.CONSTRAINTS)).build().run(in.world().examples()).utility();
  }

  /**
   * How often a configured search reaches the given optima.
   *
   * @param configure sets the search on each instance's builder (rules and seed already set)
   */
  public static Outcome compare(
      List<Instance> instances, double[] optima, String name, java.util.function.UnaryOperator<Icm.Builder> configure) {
    int hits = 0;
    double gapSum = 0;
    double maxGap = 0;
    for (int i = 0; i < instances.size(); i++) {
      Instance in = instances.get(i);
      IcmResult r = configure.apply(builder(in)).build().run(in.world().examples());
      double gap = Math.max(0, optima[i] - r.utility());
      hits += gap <= 1e-9 ? 1 : 0;
      gapSum += gap;
      maxGap = Math.max(maxGap, gap);
    }
    return new Outcome(null, instances.size(), hits, gapSum / instances.size(), maxGap, 0, 0);
  }

  /** The exact optimum. */
  public static IcmResult optimalLabels(Instance in) {
    return builder(in).search(Searches.exhaustive()).build().run(in.world().examples());
  }

  /** Whether every label of a complete labeling equals its own leave-one-out argmax. */
  static boolean frozen(Instance in, Labeling labels) {
    List<org.icm4j.Example> sorted = ReferenceEnergy.sorted(in.world().examples());
    int[] ys = new int[sorted.size()];
    for (int i = 0; i < ys.length; i++) {
      ys[i] = labels.label(sorted.get(i).id()).map(LabelSpace.binary()::indexOf).orElse(-1);
    }
    org.icm4j.internal.Problem p =
        org.icm4j.internal.Problem.standalone(
            in.world().examples(), LabelSpace.binary(), List.of(),
            new org.icm4j.spi.search.SearchSettings(
                1, Icm.DEFAULT_ALPHA, org.icm4j.MutualPredictability.MEAN_SIGNED_LOG_ODDS),
            in.world().scorer(), 0);
    org.icm4j.spi.search.SearchState state = p.evaluate(ys);
    for (int i = 0; i < ys.length; i++) {
      double[] lp = p.predict(state, i);
      if (ys[i] < 0 || (lp[0] >= lp[1] ? 0 : 1) != ys[i]) {
        return false;
      }
    }
    return true;
  }

  static boolean mirror(Labeling a, Labeling b) {
    if (!a.isComplete() || !b.isComplete()) {
      return false;
    }
    for (var e : a.asMap().entrySet()) {
      if (e.getValue().equals(b.asMap().get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** Runs annealing on every instance in one mode and compares with the optima. */
  public static Outcome compare(
      List<Instance> instances,
      double[] optima,
      ProposalMode mode,
      int iterations,
      org.icm4j.spi.search.TemperatureSchedule schedule,
      boolean keepBest) {
    return compare(instances, optima, null, mode, iterations, schedule, keepBest);
  }

  /** As above; with the optimal labelings, also counts frozen and mirrored misses. */
  public static Outcome compare(
      List<Instance> instances,
      double[] optima,
      @org.jspecify.annotations.Nullable List<Labeling> optimalLabelings,
      ProposalMode mode,
      int iterations,
      org.icm4j.spi.search.TemperatureSchedule schedule,
      boolean keepBest) {
    int hits = 0;
    double gapSum = 0;
    double maxGap = 0;
    int frozen = 0;
    int mirrors = 0;
    for (int i = 0; i < instances.size(); i++) {
      Instance in = instances.get(i);
      IcmResult r =
          builder(in).search(Searches.paper().withProposal(mode).withSchedule(schedule).withKeepBest(keepBest).withIterations(iterations)).labelEveryExample(false).initialLabels(Math.min(8, in.world().examples().size()))
              .build().run(in.world().examples());
      double gap = Math.max(0, optima[i] - r.utility());
      if (gap <= 1e-9) {
        hits++;
      } else if (optimalLabelings != null) {
        frozen += r.labels().isComplete() && frozen(in, r.labels()) ? 1 : 0;
        mirrors += mirror(r.labels(), optimalLabelings.get(i)) ? 1 : 0;
      }
      gapSum += gap;
      maxGap = Math.max(maxGap, gap);
    }
    return new Outcome(
        mode, instances.size(), hits, gapSum / instances.size(), maxGap, frozen, mirrors);
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("default")) {
      mainDefault(args.length > 1 ? Integer.parseInt(args[1]) : 200);
      return;
    }
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    String[] sched = (args.length > 2 ? args[2] : "official:10").split(":");
    org.icm4j.spi.search.TemperatureSchedule schedule =
        sched[0].equals("official")
            ? org.icm4j.spi.search.TemperatureSchedule.officialLog(Double.parseDouble(sched[1]), 0.01)
            : org.icm4j.spi.search.TemperatureSchedule.exponential(
                Double.parseDouble(sched[1]), Double.parseDouble(sched[2]), 0.01);
    List<Instance> instances = instances(count, 2025);
    double[] optima = new double[count];
    List<Labeling> optimalLabelings = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      IcmResult best = optimalLabels(instances.get(i));
      optima[i] = best.utility();
      optimalLabelings.add(best.labels());
    }
    System.out.printf(
        "%d random planted instances (n <= 12), %d iterations, 1 chain, schedule %s%n",
        count, iterations, schedule);
    System.out.println(
        "| proposal mode | returns | hit rate | mean gap in U | max gap | misses frozen |"
            + " misses at the mirror |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (boolean keepBest : new boolean[] {false, true}) {
      for (ProposalMode mode : ProposalMode.values()) {
        Outcome o = compare(instances, optima, optimalLabelings, mode, iterations, schedule, keepBest);
        System.out.printf(
            "| %s | %s | %.3f (%d/%d) | %.4f | %.3f | %d | %d |%n",
            mode, keepBest ? "best" : "final", o.hitRate(), o.hits(), o.instances(), o.meanGap(),
            o.maxGap(), o.frozen(), o.mirrors());
      }
    }
  }

  /**
   * The default search (rules as constraints) against the exact optimum under constraints, the
   * same search with rules as penalties against the exact optimum of U, and the paper's annealing
   * (1000 iterations, 1 chain) against both.
   */
  static void mainDefault(int count) {
    List<Instance> instances = instances(count, 2025);
    double[] soft = new double[count];
    double[] hard = new double[count];
    for (int i = 0; i < count; i++) {
      soft[i] = optimum(instances.get(i));
      hard[i] = constrainedOptimum(instances.get(i));
    }
    System.out.printf("%d random planted instances (n <= 12)%n", count);
    System.out.println("| search | against the optimum | hit rate | mean gap in U | max gap |");
    System.out.println("|---|---|---|---|---|");
    java.util.function.UnaryOperator<Icm.Builder> paper =
        b -> b.search(Searches.paper().withIterations(1000));
    Object[][] rows = {
      {"default (16 starts, rules as constraints)", "under constraints", hard, (java.util.function.UnaryOperator<Icm.Builder>) b -> b},
      {"default with 8 starts", "under constraints", hard,
        (java.util.function.UnaryOperator<Icm.Builder>) b -> b.search(Searches.multiStart().withStarts(8))},
      {"default with rules as penalties", "of U", soft,
        (java.util.function.UnaryOperator<Icm.Builder>) b -> b.search(Searches.multiStart().withRules(RuleHandling.PENALTIES))},
      {"paper, 1 chain", "of U", soft, paper},
      {"paper, 1 chain", "under constraints", hard, paper},
    };
    for (Object[] row : rows) {
      @SuppressWarnings("unchecked")
      Outcome o = compare(instances, (double[]) row[2], (String) row[0], (java.util.function.UnaryOperator<Icm.Builder>) row[3]);
      System.out.printf("| %s | %s | %.3f (%d/%d) | %.4f | %.3f |%n",
          row[0], row[1], o.hitRate(), o.hits(), o.instances(), o.meanGap(), o.maxGap());
    }
  }
}
