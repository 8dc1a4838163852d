package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.Rules;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.train.BlockLmFineTuner;
import org.icm4j.djl.train.FineTuneOptions;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.FineTuningEvaluation;
import org.icm4j.eval.GoldLabels;
import org.icm4j.finetune.FineTuningRound;
import org.icm4j.finetune.IterativeFineTuning;
import org.icm4j.finetune.IterativeFineTuningResult;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuningListener;

/**
 * The paper's Fig. 1 in miniature on the {@link SyntheticWorld}'s truth task: the embedded model
 * fine-tuned on gold, on ICM's and on random labels of a pool several times one context, and by
 * iterative fine-tuning, each evaluated zero-shot on held-out claims; and the control concept
 * (the same ICM labels, measured against a concept no document uses).
 *
 * <p><b>Claims.</b> The world has 96 questions (entity, relation). With the seed, they are split
 * into {@code heldOutPairs} held-out ones and the rest (the pool's). A pool question asks the true
 * value against one of the 5 other values; with 64 pool pairs and 256 pool questions, each pair is
 * asked with 4 of its 5 distractors, so a true claim appears in 4 questions (512 claims, 16 batches
 * of 32). Every held-out pair is asked against each of its 5 distractors (320 claims, half of them
 * true, no held-out pair in the pool). Rule: exactly one True per question.
 *
 * <p><b>Arms.</b> Zero-shot of the base model; the base model fine-tuned (by {@link
 * BlockLmFineTuner}, zero-shot layout) on the gold labels of the pool, on uniform random labels,
 * and on ICM's labels (ICM over the pool in batches, each labelled by the base model; claims ICM
 * leaves unlabelled are not trained on, and counted); iterative fine-tuning ({@link
 * IterativeFineTuning}) over the same batches, the held-out accuracy of each round's model measured
 * by {@link FineTuningEvaluation}. Early stopping uses a split of each arm's own labels. The control
 * measures the ICM-label model against the control concept: ICM never sees gold labels, so on the
 * same claims it finds the same labels for either task.
 *
 * <p>Gold labels are used only to measure (and as the gold arm's training labels). Not
 * thread-safe; one run per model.
 */
final class FineTuneExperiment {
  private FineTuneExperiment() {}

  static final LabelSpace SPACE = LabelSpace.binary();

  /**
   * What to run.
   *
   * @param seed seed of the claim split, ICM, the random labels and fine-tuning
   * @param poolQuestions questions of the pool (2 claims each)
   * @param heldOutPairs held-out (entity, relation) pairs, each asked with its 5 distractors
   * @param batchSize claims per ICM batch (one context)
   * @param alpha ICM's alpha
   * @param search ICM's search (the library's default, or the paper's annealing)
   * @param fineTune the fine-tuning settings of every arm
   * @param iterative whether to run iterative fine-tuning
   */
  record Settings(
      long seed,
      int poolQuestions,
      int heldOutPairs,
      int batchSize,
      double alpha,
      SearchChoice.Value search,
      FineTuneOptions fineTune,
      boolean iterative) {
    Settings {
      int pairs = SyntheticWorld.ENTITIES * SyntheticWorld.RELATIONS.size();
      checkArgument(
          heldOutPairs >= 1 && heldOutPairs < pairs,
          "held-out pairs must be in [1, %s), but were %s", pairs, heldOutPairs);
      int max = (pairs - heldOutPairs) * (COLOURS_OR_HOMES - 1);
      checkArgument(
          poolQuestions >= 2 && poolQuestions <= max,
          "pool questions must be in [2, %s] (5 distractors for each of %s pool pairs), but were %s",
          max, pairs - heldOutPairs, poolQuestions);
      checkArgument(batchSize >= 4 && batchSize % 2 == 0, "the batch must be an even number of claims >= 4, but was %s", batchSize);
      requireNonNull(search, "search");
      requireNonNull(fineTune, "fineTune");
    }
  }

  /** Values per relation (6): a question asks the true one against one of the other 5. */
  static final int COLOURS_OR_HOMES = 6;

  /**
   * The claims of a run.
   *
   * @param pool the pool's claims, in question order
   * @param heldOut the held-out claims
   * @param truth gold labels of the truth task, pool and held-out
   * @param control the control concept's labels of the same claims
   * @param poolPairs (entity, relation) pairs of the pool
   */
  record Claims(List<Example> pool, List<Example> heldOut, GoldLabels truth, GoldLabels control, int poolPairs) {}

  static Claims claims(SyntheticWorld world, Settings s) {
    SplittableRandom rng = new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + 0xF17EL);
    List<int[]> pairs = new ArrayList<>();
    for (int e = 0; e < SyntheticWorld.ENTITIES; e++) {
      for (int r = 0; r < SyntheticWorld.RELATIONS.size(); r++) {
        pairs.add(new int[] {e, r});
      }
    }
    shuffle(pairs, rng);
    List<int[]> held = pairs.subList(0, s.heldOutPairs());
    List<int[]> poolPairs = pairs.subList(s.heldOutPairs(), pairs.size());
    Map<String, String> truth = new HashMap<>();
    Map<String, String> control = new HashMap<>();
    SyntheticWorld.RelationRule controlRule = world.controlRule();
    List<Example> pool = new ArrayList<>();
    // distractors of each pool pair in a seeded order; variant v of every pair before v + 1
    List<List<String>> distractors = new ArrayList<>();
    for (int[] p : poolPairs) {
      distractors.add(others(world, p, rng));
    }
    for (int v = 0; pool.size() < 2 * s.poolQuestions(); v++) {
      for (int i = 0; i < poolPairs.size() && pool.size() < 2 * s.poolQuestions(); i++) {
        question(world, "pool", poolPairs.get(i), distractors.get(i).get(v), rng, pool, truth, control, controlRule);
      }
    }
    List<Example> heldOut = new ArrayList<>();
    for (int[] p : held) {
      for (String other : others(world, p, rng)) {
        question(world, "held", p, other, rng, heldOut, truth, control, controlRule);
      }
    }
    return new Claims(
        List.copyOf(pool), List.copyOf(heldOut), GoldLabels.of(SPACE, truth), GoldLabels.of(SPACE, control),
        poolPairs.size());
  }

  private static List<String> others(SyntheticWorld world, int[] pair, SplittableRandom rng) {
    String relation = SyntheticWorld.RELATIONS.get(pair[1]);
    List<String> others = new ArrayList<>(SyntheticWorld.values(relation));
    others.remove(world.value(relation, pair[0]));
    shuffle(others, rng);
    return others;
  }

  private static void question(
      SyntheticWorld world,
      String prefix,
      int[] pair,
      String other,
      SplittableRandom rng,
      List<Example> into,
      Map<String, String> truth,
      Map<String, String> control,
      SyntheticWorld.RelationRule controlRule) {
    int e = pair[0];
    String relation = SyntheticWorld.RELATIONS.get(pair[1]);
    String group = prefix + "-" + SyntheticWorld.entity(e) + "-" + relation + "-" + other;
    List<String> candidates = new ArrayList<>(List.of(world.value(relation, e), other));
    shuffle(candidates, rng);
    for (int c = 0; c < candidates.size(); c++) {
      String id = group + "-" + c;
      String value = candidates.get(c);
      into.add(new Example(id, SyntheticWorld.relationClaim(e, relation, value), group, Map.of()));
      truth.put(id, world.value(relation, e).equals(value) ? "True" : "False");
      control.put(id, controlRule.label(e, relation, value) ? "True" : "False");
    }
  }

  private static <T> void shuffle(List<T> list, SplittableRandom rng) {
    for (int i = list.size() - 1; i > 0; i--) {
      Collections.swap(list, i, rng.nextInt(i + 1));
    }
  }

  /**
   * One fine-tuned model and how it did on the held-out claims.
   *
   * @param trainedOn labelled pool claims it was fine-tuned on
   * @param truth zero-shot accuracy on the held-out claims against truth
   * @param control the same against the control concept
   * @param details what the fine-tuner reported
   * @param time wall-clock time of the fine-tuning
   */
  record Arm(int trainedOn, double truth, double control, Map<String, String> details, Duration time) {}

  /**
   * The measured row of one seed: its two phases, each measured on its own.
   *
   * @param settings the settings
   * @param arms the base model and the arms fine-tuned on the whole pool
   * @param loop iterative fine-tuning ({@code null} when not run)
   */
  record Outcome(Settings settings, PoolArms arms, @org.jspecify.annotations.Nullable Iterative loop) {
    Outcome {
      requireNonNull(settings, "settings");
      requireNonNull(arms, "arms");
    }

    Claims claims() {
      return arms.claims();
    }

    double baseTruth() {
      return arms.baseTruth();
    }

    double baseControl() {
      return arms.baseControl();
    }

    Arm gold() {
      return arms.gold();
    }

    Arm random() {
      return arms.random();
    }

    Arm icm() {
      return arms.icm();
    }

    IcmResult icmResult() {
      return arms.icmResult();
    }

    double icmAgreement() {
      return arms.icmAgreement();
    }

    Duration icmTime() {
      return arms.icmTime();
    }

    /** The final model of iterative fine-tuning, {@code null} when it did not run. */
    @org.jspecify.annotations.Nullable Arm iterative() {
      return loop == null ? null : loop.last();
    }

    /** Per round, measured against truth (empty when iterative fine-tuning did not run). */
    List<FineTuningEvaluation.Score> rounds() {
      return loop == null ? List.of() : loop.rounds();
    }

    /** Per round, as the loop reported it. */
    List<FineTuningRound> roundInfo() {
      return loop == null ? List.of() : loop.roundInfo();
    }

    Duration iterativeTime() {
      return loop == null ? Duration.ZERO : loop.elapsed();
    }

    /** Wall-clock time of the seed: both phases, summed when they ran at once. */
    Duration elapsed() {
      return loop == null ? arms.elapsed() : arms.elapsed().plus(loop.elapsed());
    }
  }

  /** Receives a line of progress. */
  interface Progress {
    void line(String text);
  }

  /**
   * The arms fine-tuned on the whole pool, and the base model's zero-shot accuracy.
   *
   * @param claims the claims
   * @param baseTruth zero-shot accuracy of the base model, truth
   * @param baseControl the same, control concept
   * @param gold fine-tuned on the gold labels of the pool
   * @param random fine-tuned on uniform random labels of the pool
   * @param icm fine-tuned on ICM's labels of the pool (batches labelled by the base model)
   * @param icmResult ICM over the pool with the base model
   * @param icmAgreement agreement of ICM's labels with truth, over the claims it labelled
   * @param icmTime ICM's wall-clock time over the pool
   * @param elapsed wall-clock time of this phase
   */
  record PoolArms(
      Claims claims,
      double baseTruth,
      double baseControl,
      Arm gold,
      Arm random,
      Arm icm,
      IcmResult icmResult,
      double icmAgreement,
      Duration icmTime,
      Duration elapsed) {}

  /**
   * Iterative fine-tuning over the pool's batches.
   *
   * @param last the final model
   * @param rounds per round, measured against truth
   * @param roundInfo per round, as the loop reported it
   * @param elapsed wall-clock time of this phase
   */
  record Iterative(Arm last, List<FineTuningEvaluation.Score> rounds, List<FineTuningRound> roundInfo, Duration elapsed) {}

  /**
   * Runs every arm for one seed, one phase after the other ({@link #poolArms}, then {@link
   * #iterative} when the settings ask for it).
   *
   * @param world the world
   * @param base the base model (not changed)
   * @param scorer a scorer over {@code base}
   * @param s the settings
   * @param progress receives progress lines
   */
  static Outcome run(SyntheticWorld world, BlockLm base, DjlScorer scorer, Settings s, Progress progress) {
    PoolArms arms = poolArms(world, base, scorer, s, progress);
    return new Outcome(s, arms, s.iterative() ? iterative(world, base, scorer, s, progress) : null);
  }

  private static BlockLmFineTuner tuner(SyntheticWorld world, BlockLm base, Settings s) {
    return BlockLmFineTuner.builder()
        .base(base)
        .tokenizer(world.tokenizer())
        .template(WorldProbe.template())
        .options(s.fineTune())
        .build();
  }

  /** The base model, and the arms fine-tuned on gold, random and ICM labels of the whole pool. */
  static PoolArms poolArms(SyntheticWorld world, BlockLm base, DjlScorer scorer, Settings s, Progress progress) {
    long start = System.nanoTime();
    Claims claims = claims(world, s);
    List<Example> pool = claims.pool();
    List<Example> heldOut = claims.heldOut();
    String tag = "seed " + s.seed() + ": ";
    double baseTruth = Evaluation.zeroShotAccuracy(scorer, SPACE, heldOut, claims.truth());
    double baseControl = Evaluation.zeroShotAccuracy(scorer, SPACE, heldOut, claims.control());
    progress.line(tag + String.format(java.util.Locale.ROOT,
        "%d pool claims (%d pairs), %d held-out claims; base zero-shot %.3f (control %.3f)",
        pool.size(), claims.poolPairs(), heldOut.size(), baseTruth, baseControl));
    BlockLmFineTuner tuner = tuner(world, base, s);
    long fineTuneSeed = IterativeFineTuning.fineTuningSeed(s.seed(), 1 << 20);

    Arm gold = arm(tuner, pool, restrict(claims.truth(), pool), fineTuneSeed, claims);
    progress.line(tag + arm("gold labels", gold));
    Arm random = arm(tuner, pool, randomLabels(pool, s.seed()), fineTuneSeed, claims);
    progress.line(tag + arm("random labels", random));

    long icmStart = System.nanoTime();
    IcmListener batches =
        new IcmListener() {
          @Override
          public void onBatchEnd(BatchSummary summary) {
            progress.line(tag + String.format(java.util.Locale.ROOT, "ICM batch %d done (U %.1f)", summary.index() + 1, summary.utility()));
          }
        };
    IcmResult icmResult = icm(s).scorer(scorer).listener(batches).batchSize(s.batchSize()).seed(s.seed()).build().run(pool);
    Duration icmTime = Duration.ofNanos(System.nanoTime() - icmStart);
    double agreement = Evaluation.agreement(icmResult.labels(), claims.truth());
    Arm icm = arm(tuner, pool, icmResult.labels(), fineTuneSeed, claims);
    progress.line(tag + String.format(java.util.Locale.ROOT,
        "ICM labelled %d of %d pool claims in %s, agreement %.3f; ", icmResult.labels().labelledCount(),
        pool.size(), Commands.format(icmTime), agreement) + arm("ICM labels", icm));
    return new PoolArms(
        claims, baseTruth, baseControl, gold, random, icm, icmResult, agreement, icmTime,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** Iterative fine-tuning over the pool's batches, each round's model measured on the held-out claims. */
  static Iterative iterative(SyntheticWorld world, BlockLm base, DjlScorer scorer, Settings s, Progress progress) {
    long t0 = System.nanoTime();
    Claims claims = claims(world, s);
    List<Example> heldOut = claims.heldOut();
    String tag = "seed " + s.seed() + ": ";
    List<FineTuningRound> info = new ArrayList<>();
    FineTuningEvaluation evaluation = new FineTuningEvaluation(claims.truth(), heldOut);
    FineTuningListener listener =
        new FineTuningListener() {
          @Override
          public void onRound(FineTuningRound round, LabelScorer next) {
            evaluation.onRound(round, next);
            info.add(round);
            FineTuningEvaluation.Score sc = evaluation.scores().get(evaluation.scores().size() - 1);
            progress.line(tag + String.format(java.util.Locale.ROOT,
                "iterative round %d: labelled %d of %d (agreement %.3f), trained on %d, held-out %.3f",
                round.index() + 1, sc.batchLabelled(), sc.batchSize(), sc.batchAgreement(),
                round.trainedOn(), sc.heldOutZeroShot()));
          }
        };
    IterativeFineTuning loop =
        IterativeFineTuning.builder()
            .fineTuner(tuner(world, base, s))
            .batchSize(s.batchSize())
            .icm(b -> settings(b, s))
            .listener(listener)
            .seed(s.seed())
            .build();
    try (IterativeFineTuningResult result = loop.run(scorer, claims.pool())) {
      FineTunedModel last = result.model().orElseThrow();
      Arm arm =
          new Arm(
              result.labels().labelledCount(),
              Evaluation.zeroShotAccuracy(last.scorer(), SPACE, heldOut, claims.truth()),
              Evaluation.zeroShotAccuracy(last.scorer(), SPACE, heldOut, claims.control()),
              last.details(),
              info.isEmpty() ? Duration.ZERO : info.get(info.size() - 1).fineTuningTime());
      return new Iterative(arm, evaluation.scores(), info, Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  private static String arm(String name, Arm a) {
    return String.format(java.util.Locale.ROOT,
        "fine-tuned on %s (%d claims, %s epochs, best %s) in %s: held-out %.3f (control %.3f)",
        name, a.trainedOn(), a.details().get("epochs"), a.details().get("bestEpoch"),
        Commands.format(a.time()), a.truth(), a.control());
  }

  /** ICM's settings of the experiment: exactly one True per question, alpha, the search. */
  static Icm.Builder icm(Settings s) {
    return settings(Icm.builder(), s);
  }

  private static Icm.Builder settings(Icm.Builder b, Settings s) {
    return s.search().configure(b).rule(Rules.exactlyOne()).alpha(s.alpha());
  }

  private static Arm arm(BlockLmFineTuner tuner, List<Example> pool, Labeling labels, long seed, Claims claims) {
    long t0 = System.nanoTime();
    try (FineTunedModel model = tuner.fineTune(FineTuneRequest.of(pool, labels, seed))) {
      Duration time = Duration.ofNanos(System.nanoTime() - t0);
      return new Arm(
          labels.labelledCount(),
          Evaluation.zeroShotAccuracy(model.scorer(), SPACE, claims.heldOut(), claims.truth()),
          Evaluation.zeroShotAccuracy(model.scorer(), SPACE, claims.heldOut(), claims.control()),
          model.details(),
          time);
    }
  }

  /** ICM's agreement with truth on each batch of a run over the pool, in batch order. */
  static double[] batchAgreements(Outcome o) {
    IcmResult r = o.icmResult();
    double[] out = new double[r.batches().size()];
    for (int b = 0; b < out.length; b++) {
      int right = 0;
      int labelled = 0;
      for (String id : r.batches().get(b).exampleIds()) {
        String label = r.labels().label(id).orElse(null);
        if (label != null) {
          labelled++;
          right += label.equals(o.claims().truth().label(id).orElseThrow()) ? 1 : 0;
        }
      }
      out[b] = labelled == 0 ? Double.NaN : (double) right / labelled;
    }
    return out;
  }

  /** The gold labels of some examples, as a labeling (for the gold arm). */
  static Labeling restrict(GoldLabels gold, List<Example> examples) {
    Map<String, String> m = new HashMap<>();
    for (Example e : examples) {
      m.put(e.id(), gold.label(e.id()).orElseThrow());
    }
    return new Labeling(SPACE, m, new HashSet<>());
  }

  /** Uniform random labels, one draw per example in id order. */
  static Labeling randomLabels(List<Example> examples, long seed) {
    List<Example> sorted = new ArrayList<>(examples);
    sorted.sort(java.util.Comparator.comparing(Example::id));
    SplittableRandom rng = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + 0x7A11L);
    Map<String, String> m = new HashMap<>();
    for (Example e : sorted) {
      m.put(e.id(), SPACE.name(rng.nextInt(SPACE.size())));
    }
    return new Labeling(SPACE, m, new HashSet<>());
  }

  /**
   * The human-supervision arms of one seed (issue 18), each fine-tuned like the other arms and
   * evaluated zero-shot on the held-out claims.
   *
   * @param annotators what the {@link SimulatedAnnotators} did on the pool (measured against truth)
   * @param annotatorArm fine-tuned on the annotators' labels of the pool
   * @param trusted the k trusted labels ({@link TrustedLabelChoice}: chosen from the first ICM run, labelled by truth)
   * @param icmTrusted ICM over the pool with them as trusted labels
   * @param trustedAgreement its agreement with truth on the claims not trusted
   * @param trustedArm fine-tuned on its labels (the trusted ones included)
   * @param kAlone fine-tuned on the k trusted labels alone
   * @param icmTime the second ICM run's wall-clock time
   * @param elapsed wall-clock time of these arms
   */
  record HumanArms(
      SimulatedAnnotators.Report annotators,
      Arm annotatorArm,
      TrustedLabelChoice.Choice trusted,
      IcmResult icmTrusted,
      double trustedAgreement,
      Arm trustedArm,
      Arm kAlone,
      Duration icmTime,
      Duration elapsed) {}

  /**
   * Runs the human-supervision arms after {@link #poolArms}, with its ICM result choosing the
   * trusted examples.
   */
  static HumanArms humanArms(
      SyntheticWorld world, BlockLm base, DjlScorer scorer, Settings s, PoolArms first, int k, Progress progress) {
    long start = System.nanoTime();
    Claims claims = first.claims();
    List<Example> pool = claims.pool();
    String tag = "seed " + s.seed() + ": ";
    BlockLmFineTuner tuner = tuner(world, base, s);
    long fineTuneSeed = IterativeFineTuning.fineTuningSeed(s.seed(), 1 << 20);
    SimulatedAnnotators.Annotation annotation = SimulatedAnnotators.of(world, s.seed()).label(pool);
    progress.line(tag + annotation.report().summary());
    Arm annotatorArm = arm(tuner, pool, annotation.labels(), fineTuneSeed, claims);
    progress.line(tag + arm("annotators' labels", annotatorArm));
    TrustedLabelChoice.Choice trusted = TrustedLabelChoice.choose(first.icmResult(), claims.truth(), k);
    long icmStart = System.nanoTime();
    IcmResult icmTrusted =
        icm(s).scorer(scorer).batchSize(s.batchSize()).seed(s.seed()).trustedLabels(trusted.labels()).build().run(pool);
    Duration icmTime = Duration.ofNanos(System.nanoTime() - icmStart);
    double agreement = Evaluation.agreement(icmTrusted.labels(), claims.truth(), trusted.labels());
    Arm trustedArm = arm(tuner, pool, icmTrusted.labels(), fineTuneSeed, claims);
    progress.line(tag + String.format(java.util.Locale.ROOT,
        "ICM + %d trusted (%d from suggestions) labelled %d of %d in %s, agreement %.3f on the rest; ", k,
        trusted.fromSuggestions(), icmTrusted.labels().labelledCount(), pool.size(), Commands.format(icmTime), agreement)
        + arm("ICM + k trusted labels", trustedArm));
    Arm kAlone = arm(tuner, pool, trusted.labels(), fineTuneSeed, claims);
    progress.line(tag + arm("the k trusted labels alone", kAlone));
    return new HumanArms(
        annotation.report(), annotatorArm, trusted, icmTrusted, agreement, trustedArm, kAlone, icmTime,
        Duration.ofNanos(System.nanoTime() - start));
  }
}
