package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
import org.icm4j.result.Energy;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;

/**
 * The paper's experiment (Fig. 3 in miniature) on one task of the {@link SyntheticWorld}: ICM on
 * the training claims, with and without consistency rules, then test-set accuracy of zero-shot,
 * many-shot with random, gold and ICM labels, and ICM's agreement with gold on its own training
 * claims.
 *
 * <p>Gold labels are used only to measure: the search sees the examples, the rules and the scorer.
 * The agreement curve comes from {@link IcmListener#onLabels}, which reads the search's labels
 * without feeding anything back. With the paper's annealing a curve point is a chain's labeling
 * after an iteration; with the default search, which builds one labeling after another from its
 * starts, it is the best labeling so far (U and agreement), and the last point is the result.
 *
 * <p>Not thread-safe (one run at a time per scorer, which serializes its calls anyway).
 */
final class WorldExperiment {
  private WorldExperiment() {}

  /** The world seed the embedded model was trained on. */
  static final long WORLD_SEED = 42;

  /** Random-label contexts averaged for the random many-shot baseline. */
  static final int RANDOM_DRAWS = 3;

  /** A task of the world. */
  enum Task {
    /** Task 1: two candidate values per question, exactly one true. */
    TRUTH,
    /** Task 2: pairs in both orders, asymmetry. */
    COMPARISON,
    /** Task 3: the truth-task claims labelled by a concept no document used. */
    CONTROL;

    String lowerName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What to run.
   *
   * @param task the task
   * @param seed seed of the claim draw and of ICM
   * @param alpha weight of mutual predictability
   * @param search the search: the library's default, or the paper's annealing
   * @param trainClaims claims ICM labels (one batch; a multiple of 2)
   * @param testClaims held-out claims (a multiple of 2)
   * @param scoreMemo scores each chain remembers ({@link Icm.Builder#scoreMemo}; 0 = off)
   */
  record Settings(
      Task task,
      long seed,
      double alpha,
      SearchChoice.Value search,
      int trainClaims,
      int testClaims,
      int scoreMemo) {
    Settings {
      requireNonNull(task, "task");
      checkArgument(alpha > 0 && Double.isFinite(alpha), "alpha must be > 0 and finite, but was %s", alpha);
      requireNonNull(search, "search");
      checkArgument(scoreMemo >= 0, "the score memo must be >= 0 entries, but was %s", scoreMemo);
      checkArgument(
          trainClaims >= 4 && trainClaims % 2 == 0,
          "the training claims (--train-claims, one batch) must be an even number >= 4 (questions have 2"
              + " claims), but was %s",
          trainClaims);
      checkArgument(
          testClaims >= 2 && testClaims % 2 == 0,
          "test claims must be an even number >= 2, but was %s",
          testClaims);
      int entities = SyntheticWorld.ENTITIES;
      int max =
          task == Task.COMPARISON
              ? entities * (entities - 1) // each unordered pair in both orders
              : SyntheticWorld.CANDIDATES * entities * SyntheticWorld.RELATIONS.size();
      checkArgument(
          trainClaims + testClaims <= max,
          "the %s task has %s claims, but %s training + %s test claims were asked for",
          task.lowerName(), max, trainClaims, testClaims);
    }
  }

  /** One point of a chain's curve. */
  record Point(int chain, int iteration, double utility, double agreement) {}

  /** One ICM run (with or without rules) and how it did. */
  /**
   * One ICM run and its measures.
   *
   * @param goldEnergy the energy of the gold labels of the training claims under this run's
   *     configuration ({@link Icm#energy}, computed after the search, which never sees them): U
   *     far above the run's means the search missed truth, below it means the objective prefers
   *     another labeling
   */
  record IcmRun(IcmResult result, double agreement, double manyShot, List<Point> curve, Energy goldEnergy) {}

  /** The measured row of the table. */
  record Outcome(
      Settings settings,
      int trainClaims,
      int testClaims,
      double zeroShot,
      double randomManyShot,
      double goldManyShot,
      IcmRun icm,
      IcmRun icmWithoutRules,
      Duration elapsed) {}

  /** The task's claims, the first {@code trainClaims} for ICM, the rest held out. */
  static ClaimSet claims(SyntheticWorld world, Settings s) {
    int all = s.trainClaims() + s.testClaims();
    return switch (s.task()) {
      case TRUTH -> world.truthTask(all / 2, s.seed());
      case CONTROL -> world.controlTask(all / 2, s.seed());
      case COMPARISON -> world.comparisonTask(all / 2, s.seed());
    };
  }

  /** Receives progress: after every iteration of every chain of both runs. */
  interface Progress {
    /**
     * @param done share of the experiment's search done, in [0, 1], from the strategies' progress
     * @param run which run ("ICM" or "ICM, no rules")
     * @param record the iteration
     * @param agreement the current labels' agreement with gold (NaN while nothing is labelled)
     */
    void update(double done, String run, IterationRecord record, double agreement);
  }

  static Outcome run(SyntheticWorld world, LabelScorer scorer, Settings s, Progress progress) {
    long start = System.nanoTime();
    ClaimSet claims = claims(world, s);
    List<Example> train = claims.examples().subList(0, s.trainClaims());
    List<Example> test = claims.examples().subList(s.trainClaims(), claims.size());
    GoldLabels gold = claims.gold();
    LabelSpace space = LabelSpace.binary();
    IcmRun withRules = icm(scorer, s, claims, train, test, true, progress, 0);
    IcmRun withoutRules = icm(scorer, s, claims, train, test, false, progress, 1);
    double zeroShot = Evaluation.zeroShotAccuracy(scorer, space, test, gold);
    double random = 0;
    for (int d = 0; d < RANDOM_DRAWS; d++) {
      random += Evaluation.randomLabelManyShotAccuracy(scorer, space, train, test, gold, s.seed() + d);
    }
    random /= RANDOM_DRAWS;
    double goldShot =
        Evaluation.manyShotAccuracy(scorer, space, WorldProbe.labelled(train, gold), test, gold);
    return new Outcome(
        s, train.size(), test.size(), zeroShot, random, goldShot, withRules, withoutRules,
        Duration.ofNanos(System.nanoTime() - start));
  }

  private static IcmRun icm(
      LabelScorer scorer,
      Settings s,
      ClaimSet claims,
      List<Example> train,
      List<Example> test,
      boolean rules,
      Progress progress,
      int runIndex) {
    GoldLabels gold = claims.gold();
    String name = rules ? "ICM" : "ICM, no rules";
    List<Point> curve = new ArrayList<>();
    IterationRecord[] last = {null};
    double[] fraction = {0};
    int chains = s.search().paper() ? s.search().chains() : 1;
    // the default search builds labelings start after start: its curve is the best one so far
    boolean bestSoFar = !s.search().paper();
    double[] best = {Double.NEGATIVE_INFINITY, Double.NaN};
    IcmListener listener =
        new IcmListener() {
          @Override
          public void onIteration(int batchIndex, int chainIndex, IterationRecord record) {
            last[0] = record;
          }

          @Override
          public void onProgress(int batchIndex, int chainIndex, int done, int total) {
            fraction[0] = (chainIndex + (double) done / total) / chains;
          }

          @Override
          public boolean observesLabels() {
            return true;
          }

          @Override
          public void onLabels(int batchIndex, int chainIndex, int iteration, Labeling labels) {
            double agreement = labels.labelledCount() == 0 ? Double.NaN : Evaluation.agreement(labels, gold);
            IterationRecord r = requireNonNull(last[0], "onIteration precedes onLabels");
            if (!bestSoFar) {
              curve.add(new Point(chainIndex, iteration, r.utility(), agreement));
            } else {
              if (r.utility() > best[0]) {
                best[0] = r.utility();
                best[1] = agreement;
              }
              curve.add(new Point(chainIndex, iteration, best[0], best[1]));
            }
            progress.update((runIndex + fraction[0]) / 2, name, r, agreement);
          }
        };
    Icm icm =
        s.search()
            .configure(Icm.builder())
            .scorer(scorer)
            .rules(rules ? claims.rules() : List.of())
            .alpha(s.alpha())
            .scoreMemo(s.scoreMemo())
            .seed(s.seed())
            .listener(listener)
            .build();
    IcmResult result = icm.run(train);
    if (last[0] != null) {
      // the run is done: its share of the progress is full
      progress.update(
          (runIndex + 1) / 2.0, name, last[0],
          result.labels().labelledCount() == 0 ? Double.NaN : Evaluation.agreement(result.labels(), gold));
    }
    Map<String, String> trainGold = new java.util.HashMap<>();
    for (Example e : train) {
      trainGold.put(e.id(), gold.label(e.id()).orElseThrow());
    }
    Energy goldEnergy = icm.energy(train, new Labeling(LabelSpace.binary(), trainGold, java.util.Set.of()));
    double agreement = Evaluation.agreement(result.labels(), gold);
    if (bestSoFar && !curve.isEmpty()) {
      // the last point is the result (after completion and the mirror, which report no labels)
      Point end = curve.get(curve.size() - 1);
      curve.add(new Point(end.chain(), end.iteration() + 1, result.utility(), agreement));
    }
    double manyShot =
        Evaluation.manyShotAccuracy(
            scorer, LabelSpace.binary(), Evaluation.context(train, result.labels()), test, gold);
    return new IcmRun(result, agreement, manyShot, curve, goldEnergy);
  }

  /**
   * The human-supervision arms of one run (issue 18): hurried annotators instead of gold, ICM with
   * k trusted labels, and the k labels alone.
   *
   * @param annotators what the {@link SimulatedAnnotators} did on the training claims
   * @param annotatorManyShot held-out many-shot accuracy with the annotators' labels of the training claims as context
   * @param trusted the k trusted labels, chosen from the first ICM run ({@link TrustedLabelChoice}) and labelled by truth
   * @param icmTrusted ICM with those labels as {@link Icm.Builder#trustedLabels trusted labels}
   * @param trustedAgreement its agreement with gold on the claims not trusted
   * @param trustedManyShot held-out many-shot accuracy with its labels as context
   * @param kAloneManyShot held-out many-shot accuracy with only the k trusted claims as context
   * @param elapsed wall-clock time of these arms
   */
  record HumanArms(
      SimulatedAnnotators.Report annotators,
      double annotatorManyShot,
      TrustedLabelChoice.Choice trusted,
      IcmResult icmTrusted,
      double trustedAgreement,
      double trustedManyShot,
      double kAloneManyShot,
      Duration elapsed) {}

  /**
   * Runs the human-supervision arms after {@link #run}.
   *
   * @param world the world
   * @param scorer the run's scorer
   * @param s the run's settings
   * @param first the run's outcome (its ICM result chooses the trusted examples)
   * @param k trusted labels
   */
  static HumanArms humanArms(SyntheticWorld world, LabelScorer scorer, Settings s, Outcome first, int k) {
    long start = System.nanoTime();
    ClaimSet claims = claims(world, s);
    List<Example> train = claims.examples().subList(0, s.trainClaims());
    List<Example> test = claims.examples().subList(s.trainClaims(), claims.size());
    GoldLabels gold = claims.gold();
    LabelSpace space = LabelSpace.binary();
    SimulatedAnnotators.Annotation annotation = SimulatedAnnotators.of(world, s.seed()).label(train);
    double annotatorShot =
        Evaluation.manyShotAccuracy(scorer, space, Evaluation.context(train, annotation.labels()), test, gold);
    TrustedLabelChoice.Choice trusted = TrustedLabelChoice.choose(first.icm().result(), gold, k);
    IcmResult withTrusted =
        s.search()
            .configure(Icm.builder())
            .scorer(scorer)
            .rules(claims.rules())
            .alpha(s.alpha())
            .scoreMemo(s.scoreMemo())
            .seed(s.seed())
            .trustedLabels(trusted.labels())
            .build()
            .run(train);
    double trustedAgreement = Evaluation.agreement(withTrusted.labels(), gold, trusted.labels());
    double trustedShot =
        Evaluation.manyShotAccuracy(scorer, space, Evaluation.context(train, withTrusted.labels()), test, gold);
    double aloneShot =
        Evaluation.manyShotAccuracy(scorer, space, Evaluation.context(train, trusted.labels()), test, gold);
    return new HumanArms(
        annotation.report(), annotatorShot, trusted, withTrusted, trustedAgreement, trustedShot, aloneShot,
        Duration.ofNanos(System.nanoTime() - start));
  }
}
