package org.icm4j.testing;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.eval.GoldLabels;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * A planted-concept world for testing ICM without a language model: examples in groups of
 * candidate answers carry hidden binary features; feature 0 is the concept (exactly one True per
 * group), the others are distractors. {@link #scorer()} is a deterministic, ideal in-context
 * learner that predicts a query's label from the context labels of similar examples: each context
 * example has weight {@code exp(sum_j salience_j * [f_j(x) == f_j(query)])}; the learner compares
 * the query's mean similarity to the True and to the other context examples (each mean smoothed by
 * {@code pseudoCount} examples of the query's mean similarity to the context, so it infers the rule
 * rather than the share of Trues, and a class with few examples is uninformative),
 * adds a weak zero-shot hunch (right for {@code hunchAccuracy} of the examples, as a pretrained model
 * knows a little without context), and mixes in a {@code floor} of uniform guessing (so that no labeling is predicted with certainty). The concept
 * is the most salient feature, so its labeling is the most mutually predictable one among those the
 * consistency rules allow. Immutable and thread-safe.
 */
public final class PlantedWorld {
  private final List<Example> examples;
  private final Map<String, boolean[]> features;
  private final Map<String, Boolean> hunches;
  private final double hunchLogit;
  private final GoldLabels gold;
  private final double[] salience;
  private final double pseudoCount;
  private final double floor;

  private PlantedWorld(
      List<Example> examples,
      Map<String, boolean[]> features,
      Map<String, Boolean> hunches,
      double hunchLogit,
      GoldLabels gold,
      double[] salience,
      double pseudoCount,
      double floor) {
    this.examples = List.copyOf(examples);
    this.features = Map.copyOf(features);
    this.hunches = Map.copyOf(hunches);
    this.hunchLogit = hunchLogit;
    this.gold = gold;
    this.salience = salience.clone();
    this.pseudoCount = pseudoCount;
    this.floor = floor;
  }

  /** Settings of a generated world. */
  /**
   * Settings of a generated world.
   *
   * @param groups number of groups (questions)
   * @param groupSize candidates per group; exactly one has the concept
   * @param conceptSalience salience of the concept feature
   * @param distractorRates for each distractor, the probability that an example has it
   * @param distractorSaliences for each distractor, its salience
   * @param pseudoCount prior weight of the vote
   * @param floor share of uniform guessing in every prediction
   * @param hunchAccuracy share of examples whose zero-shot hunch agrees with the concept (the model
   *     knows the concept a little without any context, as a pretrained model does)
   * @param hunchLogit log-odds the hunch adds to every prediction
   * @param seed generator seed
   * @param competingSalience salience of a second concept that obeys the same rule as the
   *     concept (exactly one candidate per group has it, chosen independently of the concept's),
   *     feature 1; {@code 0} for none. Its labeling is as consistent as the concept's, and more
   *     mutually predictable when it is more salient: the objective cannot tell which is intended
   */
  public record Spec(
      int groups,
      int groupSize,
      double conceptSalience,
      double[] distractorRates,
      double[] distractorSaliences,
      double pseudoCount,
      double floor,
      double hunchAccuracy,
      double hunchLogit,
      long seed,
      double competingSalience) {
    /** A world without a competing concept. */
    public Spec(
        int groups,
        int groupSize,
        double conceptSalience,
        double[] distractorRates,
        double[] distractorSaliences,
        double pseudoCount,
        double floor,
        double hunchAccuracy,
        double hunchLogit,
        long seed) {
      this(
          groups, groupSize, conceptSalience, distractorRates, distractorSaliences, pseudoCount, floor,
          hunchAccuracy, hunchLogit, seed, 0);
    }

    public Spec {
      checkArgument(competingSalience >= 0);
      checkArgument(hunchAccuracy >= 0 && hunchAccuracy <= 1 && hunchLogit >= 0);
      checkArgument(groups >= 1 && groupSize >= 1);
      checkArgument(distractorRates.length == distractorSaliences.length);
      checkArgument(pseudoCount > 0 && floor > 0 && floor < 1);
      distractorRates = distractorRates.clone();
      distractorSaliences = distractorSaliences.clone();
    }

    /** The world of the planted-concept acceptance test: 3 distractors, groups of 4. */
    public static Spec standard(int groups, long seed) {
      return new Spec(
          groups, 4, 3.0, new double[] {0.5, 0.5, 0.25}, new double[] {1.5, 1.0, 0.5}, 2.0, 0.05, 0.65, 0.5,
          seed);
    }

    /**
     * The competing-concept world: groups of 4 under "exactly one True", the concept (salience 3)
     * and a second concept that obeys the same rule with salience {@code 3 * ratio}, two weak
     * distractors, and a zero-shot hunch that knows neither (right for half of the examples).
     */
    public static Spec competing(int groups, double ratio, long seed) {
      return new Spec(
          groups, 4, 3.0, new double[] {0.5, 0.25}, new double[] {1.0, 0.5}, 2.0, 0.05, 0.5, 0.5, seed,
          3.0 * ratio);
    }
  }

  /** Generates a world. */
  public static PlantedWorld generate(Spec spec) {
    SplittableRandom rng = new SplittableRandom(spec.seed());
    boolean competing = spec.competingSalience() > 0;
    int first = competing ? 2 : 1; // the first distractor's feature
    int m = first + spec.distractorRates().length;
    List<Example> examples = new ArrayList<>();
    Map<String, boolean[]> features = new HashMap<>();
    Map<String, String> gold = new HashMap<>();
    Map<String, Boolean> hunches = new HashMap<>();
    for (int g = 0; g < spec.groups(); g++) {
      int trueOne = rng.nextInt(spec.groupSize());
      int otherOne = competing ? rng.nextInt(spec.groupSize()) : -1;
      String group = String.format("q%04d", g);
      for (int c = 0; c < spec.groupSize(); c++) {
        String id = group + "-c" + c;
        boolean[] f = new boolean[m];
        f[0] = c == trueOne;
        if (competing) {
          f[1] = c == otherOne;
        }
        for (int j = first; j < m; j++) {
          f[j] = rng.nextDouble() < spec.distractorRates()[j - first];
        }
        features.put(id, f);
        hunches.put(id, rng.nextDouble() < spec.hunchAccuracy() == f[0]);
        gold.put(id, f[0] ? "True" : "False");
        examples.add(
            new Example(
                id,
                "Question " + group + "\nClaim: the answer is " + (100 + 7 * g + c) + "\nI think this claim is ",
                group,
                Map.of("answer", Integer.toString(100 + 7 * g + c))));
      }
    }
    double[] salience = new double[m];
    salience[0] = spec.conceptSalience();
    if (competing) {
      salience[1] = spec.competingSalience();
    }
    System.arraycopy(spec.distractorSaliences(), 0, salience, first, m - first);
    return new PlantedWorld(
        examples,
        features,
        hunches,
        spec.hunchLogit(),
        GoldLabels.of(LabelSpace.binary(), gold),
        salience,
        spec.pseudoCount(),
        spec.floor());
  }

  /** The same world with other gold labels (to show that gold labels never reach the search). */
  public PlantedWorld withGold(GoldLabels otherGold) {
    return new PlantedWorld(
        examples, features, hunches, hunchLogit, otherGold, salience, pseudoCount, floor);
  }

  /** The unlabelled examples (no feature or gold label is visible in them). */
  public List<Example> examples() {
    return examples;
  }

  /**
   * The labels of the competing concept (feature 1 of a {@link Spec#competing} world), for
   * evaluation only.
   *
   * @throws IllegalStateException when the world has no competing concept
   */
  public GoldLabels competingLabels() {
    Map<String, String> labels = new HashMap<>();
    for (Example e : examples) {
      boolean[] f = features.get(e.id());
      if (f.length < 2 || salience.length < 2) {
        throw new IllegalStateException("this world has no competing concept");
      }
      labels.put(e.id(), f[1] ? "True" : "False");
    }
    return GoldLabels.of(LabelSpace.binary(), labels);
  }

  /** The planted labels, for evaluation only. */
  public GoldLabels gold() {
    return gold;
  }

  /**
   * The hidden features of an example as a bit pattern (bit {@code j}: feature {@code j}; bit 0 is
   * the concept). For test doubles that learn from labels, such as {@link PlantedFineTuner}.
   *
   * @throws IllegalArgumentException when the example is not of this world
   */
  public int pattern(Example e) {
    boolean[] f = features.get(e.id());
    if (f == null) {
      throw new IllegalArgumentException("example '" + e.id() + "' is not of this planted world");
    }
    int p = 0;
    for (int j = 0; j < f.length; j++) {
      p |= f[j] ? 1 << j : 0;
    }
    return p;
  }

  /** The ideal in-context learner over this world's hidden features (fast leave-one-out). */
  public Scorer scorer() {
    return new Scorer(true);
  }

  /** The same learner without the leave-one-out override: the reference path. */
  public Scorer referenceScorer() {
    return new Scorer(false);
  }

  /** The learner. Immutable and thread-safe. */
  public final class Scorer implements LabelScorer {
    private final boolean fastLeaveOneOut;

    private Scorer(boolean fastLeaveOneOut) {
      this.fastLeaveOneOut = fastLeaveOneOut;
    }

    private boolean[] featuresOf(Example e) {
      boolean[] f = features.get(e.id());
      if (f == null) {
        throw new IllegalArgumentException("example '" + e.id() + "' is not of this planted world");
      }
      return f;
    }

    private int pattern(Example e) {
      boolean[] f = featuresOf(e);
      int p = 0;
      for (int j = 0; j < f.length; j++) {
        p |= f[j] ? 1 << j : 0;
      }
      return p;
    }

    /** Vote weight of a context example of pattern {@code p} for a query of pattern {@code q}. */
    private double weight(int p, int q) {
      double s = 0;
      for (int j = 0; j < salience.length; j++) {
        if (((p >> j) & 1) == ((q >> j) & 1)) {
          s += salience[j];
        }
      }
      return Math.exp(s);
    }

    /**
     * Log-probabilities over the space from the summed vote weights and counts of the True and the
     * other context examples: the mean similarity to each class (smoothed by {@code pseudoCount}
     * examples of weight 1), so that the prediction follows the rule, not the share of Trues.
     */
    private double[] row(
        LabelSpace space,
        Example query,
        double trueWeight,
        int trueCount,
        double totalWeight,
        int totalCount) {
      // The prior examples have the query's mean similarity to the context: a class with few
      // examples is uninformative rather than far away.
      double prior = totalCount == 0 ? 1 : totalWeight / totalCount;
      double meanTrue = (trueWeight + pseudoCount * prior) / (trueCount + pseudoCount);
      double meanFalse =
          (totalWeight - trueWeight + pseudoCount * prior)
              / (totalCount - trueCount + pseudoCount);
      double hunch = hunches.get(query.id()) ? hunchLogit : -hunchLogit;
      double vote = 1 / (1 + Math.exp(-(Math.log(meanTrue / meanFalse) + hunch)));
      double pt = (1 - floor) * vote + floor / 2;
      double[] row = new double[space.size()];
      for (int i = 0; i < row.length; i++) {
        String name = space.name(i);
        row[i] = Math.log(name.equals("True") ? pt : name.equals("False") ? 1 - pt : 1e-9);
      }
      return row;
    }

    @Override
    public ScoreResult score(LabelSpace space, List<ScoreRequest> requests) {
      List<double[]> rows = new ArrayList<>(requests.size());
      long tokens = 0;
      for (ScoreRequest r : requests) {
        int q = pattern(r.query());
        double t = 0;
        double z = 0;
        int trueCount = 0;
        for (LabelledExample le : r.context()) {
          double w = weight(pattern(le.example()), q);
          z += w;
          if (le.label().equals("True")) {
            t += w;
            trueCount++;
          }
        }
        rows.add(row(space, r.query(), t, trueCount, z, r.context().size()));
        tokens += r.context().size() + 1;
      }
      return new ScoreResult(rows, tokens);
    }

    /** Counts context examples per (pattern, True?) once, then removes each query from its own context. */
    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace space, List<LabelledExample> labelled) {
      if (!fastLeaveOneOut) {
        return LabelScorer.super.scoreLeaveOneOut(space, labelled);
      }
      int patterns = 1 << salience.length;
      int[] all = new int[patterns];
      int[] trues = new int[patterns];
      int n = labelled.size();
      int[] pat = new int[n];
      int trueTotal = 0;
      for (int i = 0; i < n; i++) {
        pat[i] = pattern(labelled.get(i).example());
        all[pat[i]]++;
        if (labelled.get(i).label().equals("True")) {
          trues[pat[i]]++;
          trueTotal++;
        }
      }
      double[] tq = new double[patterns];
      double[] zq = new double[patterns];
      for (int q = 0; q < patterns; q++) {
        for (int p = 0; p < patterns; p++) {
          if (all[p] > 0) {
            double w = weight(p, q);
            zq[q] += w * all[p];
            tq[q] += w * trues[p];
          }
        }
      }
      List<double[]> rows = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        double self = weight(pat[i], pat[i]);
        boolean isTrue = labelled.get(i).label().equals("True");
        rows.add(
            row(
                space,
                labelled.get(i).example(),
                tq[pat[i]] - (isTrue ? self : 0),
                trueTotal - (isTrue ? 1 : 0),
                zq[pat[i]] - self,
                n - 1));
      }
      return new ScoreResult(rows, n);
    }

    @Override
    public String toString() {
      return "PlantedWorld.Scorer(fast=" + fastLeaveOneOut + ")";
    }
  }
}
