package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;

/**
 * Hurried human annotators of the {@link SyntheticWorld}'s claims, the noisy human supervision
 * the paper compares ICM with. Seeded: the same seed and claims give the same labels.
 *
 * <p><b>Who labels.</b> A pool of {@link #ANNOTATORS} annotators; annotator {@code i} has an
 * accuracy target {@code a_i} drawn uniformly in [{@value #MIN_ACCURACY}, {@value #MAX_ACCURACY}]
 * from the seed, and an error budget {@code e_i = 1 - a_i}. Each question (an {@link
 * Example#group()}) goes to one annotator drawn from the seed and the group; the annotator labels
 * each of its claims on its own, without looking at the other (so nothing keeps a question
 * consistent).
 *
 * <p><b>The mistakes</b>, per claim, with the annotator's budget {@code e} (one uniform draw
 * decides which, if any, happens; the first that applies wins):
 *
 * <ol>
 *   <li>{@link Mistake#SLIP} (probability {@code 0.25 e}, any claim): the label is flipped, a slip
 *       of attention or of the mouse.
 *   <li>{@link Mistake#SURFACE_CUE} (probability {@code e}, only where the cue disagrees with
 *       truth): the annotator answers by the world's surface rule instead of the fact, the
 *       distractor the training documents use as often as truth: for {@code "e12 colour red :"}
 *       "the value is one of three common values of the relation" (the value-set rule), for {@code
 *       "e3 bigger e7 :"} "the first entity is one of a fixed half" (the entity-set rule). The cue
 *       disagrees with truth on about half of the claims.
 *   <li>{@link Mistake#SAYS_TRUE} (probability {@code 0.5 e}, only on false claims): the annotator
 *       agrees with the claim, the yes-bias of people who skim.
 * </ol>
 *
 * <p>With the cue disagreeing on half of the claims and half of the claims false, the expected
 * error is {@code 0.25 e + 0.5 e + 0.25 e = e}; the measured accuracy ({@link Report#accuracy()})
 * depends on the claims and is what the results report. Because claims are labelled one by one,
 * some questions end with two True or two False labels, breaking the task's rule ({@link
 * Report#inconsistentQuestions()}).
 *
 * <p>Immutable and thread-safe.
 */
final class SimulatedAnnotators {
  /** Annotators in the pool. */
  static final int ANNOTATORS = 5;

  /** Lowest accuracy target of an annotator. */
  static final double MIN_ACCURACY = 0.60;

  /** Highest accuracy target of an annotator. */
  static final double MAX_ACCURACY = 0.70;

  /** Probability of a slip, as a share of the error budget. */
  static final double SLIP_SHARE = 0.25;

  /** Probability of following the surface cue where it disagrees with truth, as a share of the budget. */
  static final double CUE_SHARE = 1.0;

  /** Probability of saying True to a false claim, as a share of the budget. */
  static final double YES_SHARE = 0.5;

  private static final LabelSpace SPACE = LabelSpace.binary();

  /** A kind of mistake. */
  enum Mistake {
    /** A flipped label, on any claim. */
    SLIP,
    /** The surface rule's label instead of the fact's. */
    SURFACE_CUE,
    /** True for a false claim. */
    SAYS_TRUE
  }

  /**
   * What the annotators did, measured against the world's truth.
   *
   * @param claims claims labelled
   * @param right claims labelled as truth labels them
   * @param mistakes how many claims got each kind of mistake
   * @param questions questions labelled
   * @param inconsistentQuestions questions whose two claims got the same label
   * @param targets each annotator's accuracy target, in annotator order
   */
  record Report(
      int claims, int right, Map<Mistake, Integer> mistakes, int questions, int inconsistentQuestions,
      List<Double> targets) {
    Report {
      mistakes = Map.copyOf(mistakes);
      targets = List.copyOf(targets);
    }

    /** Share of the claims labelled right. */
    double accuracy() {
      return claims == 0 ? Double.NaN : (double) right / claims;
    }

    /** One line for people. */
    String summary() {
      return String.format(java.util.Locale.ROOT,
          "annotators: %d of %d claims right (%.1f%%); mistakes: %d slips, %d fooled by the surface cue,"
              + " %d yes to a false claim; %d of %d questions labelled against the rule",
          right, claims, 100 * accuracy(), mistakes.getOrDefault(Mistake.SLIP, 0),
          mistakes.getOrDefault(Mistake.SURFACE_CUE, 0), mistakes.getOrDefault(Mistake.SAYS_TRUE, 0),
          inconsistentQuestions, questions);
    }
  }

  /**
   * Labels and what they cost.
   *
   * @param labels one label per claim
   * @param report the measured accuracy and mistakes
   */
  record Annotation(Labeling labels, Report report) {}

  private final SyntheticWorld world;
  private final long seed;
  private final double[] targets;

  private SimulatedAnnotators(SyntheticWorld world, long seed) {
    this.world = requireNonNull(world, "world");
    this.seed = seed;
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0xA77L);
    targets = new double[ANNOTATORS];
    for (int i = 0; i < ANNOTATORS; i++) {
      targets[i] = MIN_ACCURACY + (MAX_ACCURACY - MIN_ACCURACY) * rng.nextDouble();
    }
  }

  /** The annotators of {@code world}, drawn from {@code seed}. */
  static SimulatedAnnotators of(SyntheticWorld world, long seed) {
    return new SimulatedAnnotators(world, seed);
  }

  /**
   * Labels relation claims ({@code "e12 colour red :"}) and comparison claims ({@code "e3 bigger e7
   * :"}) of the world.
   *
   * @param claims the claims, with distinct ids
   * @throws IllegalArgumentException naming the claim when its text is neither kind
   */
  Annotation label(List<Example> claims) {
    Map<String, String> labels = new LinkedHashMap<>();
    Map<Mistake, Integer> mistakes = new EnumMap<>(Mistake.class);
    Map<String, List<String>> byGroup = new LinkedHashMap<>();
    int right = 0;
    for (Example c : claims) {
      boolean[] truthAndCue = truthAndCue(c);
      boolean truth = truthAndCue[0];
      boolean cue = truthAndCue[1];
      double e = 1 - targets[annotator(c.group())];
      SplittableRandom rng = new SplittableRandom(seed * 0x2545F4914F6CDD1DL ^ (long) c.id().hashCode() * 0x9E3779B97F4A7C15L);
      double u = rng.nextDouble();
      double slip = SLIP_SHARE * e;
      double fooled = cue != truth ? CUE_SHARE * e : 0;
      double yes = truth ? 0 : YES_SHARE * e;
      boolean label;
      if (u < slip) {
        label = !truth;
        mistakes.merge(Mistake.SLIP, 1, Integer::sum);
      } else if (u < slip + fooled) {
        label = cue;
        mistakes.merge(Mistake.SURFACE_CUE, 1, Integer::sum);
      } else if (u < slip + fooled + yes) {
        label = true;
        mistakes.merge(Mistake.SAYS_TRUE, 1, Integer::sum);
      } else {
        label = truth;
      }
      right += label == truth ? 1 : 0;
      checkArgument(labels.put(c.id(), label ? "True" : "False") == null, "claim id '%s' occurs more than once", c.id());
      byGroup.computeIfAbsent(c.group(), g -> new ArrayList<>()).add(labels.get(c.id()));
    }
    int inconsistent = 0;
    for (List<String> g : byGroup.values()) {
      long trues = g.stream().filter("True"::equals).count();
      inconsistent += g.size() >= 2 && trues != 1 ? 1 : 0;
    }
    List<Double> t = new ArrayList<>();
    for (double x : targets) {
      t.add(x);
    }
    return new Annotation(
        Labeling.of(SPACE, new HashMap<>(labels)),
        new Report(claims.size(), right, mistakes, byGroup.size(), inconsistent, t));
  }

  /** The annotator of a question. */
  int annotator(String group) {
    return (int) Math.floorMod(new SplittableRandom(seed + 31L * group.hashCode()).nextLong(), (long) ANNOTATORS);
  }

  /** {truth, the surface cue's label} of a claim of the world. */
  private boolean[] truthAndCue(Example c) {
    String[] w = c.prompt().trim().split(" ");
    checkArgument(w.length == 4 && w[3].equals(":") && w[0].startsWith("e"),
        "claim '%s' is neither 'eN relation value :' nor 'eA bigger eB :': '%s'", c.id(), c.prompt());
    int a = Integer.parseInt(w[0].substring(1));
    if (w[1].equals("bigger")) {
      int b = Integer.parseInt(w[2].substring(1));
      return new boolean[] {world.bigger(a, b), world.inComparisonSurfaceSet(a)};
    }
    checkArgument(SyntheticWorld.RELATIONS.contains(w[1]), "claim '%s' names no relation of the world: '%s'", c.id(), c.prompt());
    return new boolean[] {world.value(w[1], a).equals(w[2]), world.valueSetRule().label(a, w[1], w[2])};
  }
}
