package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.Rules;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.train.BestOfN;
import org.icm4j.djl.train.BradleyTerryTrainer;
import org.icm4j.djl.train.Choice;
import org.icm4j.djl.train.ChoicePolicy;
import org.icm4j.djl.train.ChoiceQuestion;
import org.icm4j.djl.train.FineTuneOptions;
import org.icm4j.djl.train.LmRewardModel;
import org.icm4j.djl.train.PolicyGradient;
import org.icm4j.djl.train.PolicyGradientListener;
import org.icm4j.djl.train.PolicyGradientOptions;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
import org.icm4j.eval.RewardEvaluation;
import org.icm4j.result.IcmResult;
import org.icm4j.reward.PreferencePair;
import org.icm4j.reward.PreferencePairs;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.reward.RewardModel;
import org.icm4j.spi.reward.RewardTrainingRequest;

/**
 * The paper's reward-model result (the Claude 3.5 Haiku assistant) in miniature on the {@link
 * SyntheticWorld}: ICM labels a pool of claims with no gold label; the labels become preference
 * pairs ({@link PreferencePairs}); a copy of the world model becomes a reward model trained on
 * them with the Bradley-Terry loss ({@link BradleyTerryTrainer}); the same world model, as a policy
 * that answers questions of the world ({@link ChoicePolicy}), is improved with that reward model
 * by best-of-n selection and by REINFORCE ({@link PolicyGradient}). The same is done with reward
 * models trained on gold pairs and on random pairs, and the policies are judged by the world's
 * truth.
 *
 * <p><b>Two tracks.</b> <i>Truth</i> (the embedded model, which reads truth from its context): the
 * 96 (entity, relation) questions are split with the seed into held-out and pool questions; ICM
 * labels the pool's claims, each pool question asked as "true value vs one distractor" ({@code
 * "e12 colour red :"}, exactly one True); within each ICM question the claim labelled True is
 * preferred. The policy answers {@code "e12 colour"} with one of the relation's 6 values. <i>Comparison</i>
 * (the comparison model, which also reads comparisons in context): the entity pairs are split
 * into held-out and pool pairs; ICM labels both orders of each pool pair ({@code "e3 bigger e7
 * :"}, asymmetry); the order labelled True is preferred. The policy states which of the two is
 * bigger ({@code "e3 bigger e7"} or {@code "e7 bigger e3"} after a line break).
 *
 * <p><b>Measures</b> (all on held-out questions, none of which is in the pool): the reward models'
 * pairwise accuracy on gold pairs (RewardBench's measure: the true value against each of the 5
 * distractors, or the true order against the other); on the comparison track, also against the
 * world's control concept (the entity is in a random half no training document singles out; a
 * pair with exactly one such entity prefers the order that puts it first); the policies' accuracy
 * (the probability that a sampled answer is true: exact, from the policy's distribution) and
 * head-to-head win rates (a sampled answer of each, the true one wins, a tie counts half: exact).
 *
 * <p>Gold labels are used to measure, to train the gold baseline and its policy, and never reach
 * ICM or the ICM reward model. Not thread-safe; one run per pair of models.
 */
final class RewardExperiment {
  private RewardExperiment() {}

  static final LabelSpace SPACE = LabelSpace.binary();
  static final String TRUE = "True";

  /** A track of the experiment. */
  enum Track {
    /** Truth claims, the embedded model. */
    TRUTH,
    /** Comparison claims, the comparison model. */
    COMPARISON;

    String lowerName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What to run for one seed.
   *
   * @param seed seed of the splits, ICM, the random labels and all training
   * @param tracks the tracks to run
   * @param truthHeldOut held-out (entity, relation) questions of the truth track
   * @param truthPool pool (entity, relation) questions; each is asked once, against one distractor
   * @param comparisonHeldOut held-out entity pairs of the comparison track
   * @param comparisonPool pool entity pairs
   * @param batchSize claims per ICM batch
   * @param alpha ICM's alpha
   * @param search ICM's search
   * @param reward the reward models' training settings
   * @param policy the policies' training settings
   * @param bestOfN answers drawn for best-of-n selection
   */
  record Settings(
      long seed,
      List<Track> tracks,
      int truthHeldOut,
      int truthPool,
      int comparisonHeldOut,
      int comparisonPool,
      int batchSize,
      double alpha,
      SearchChoice.Value search,
      FineTuneOptions reward,
      PolicyGradientOptions policy,
      int bestOfN) {
    Settings {
      tracks = List.copyOf(tracks);
      checkArgument(!tracks.isEmpty(), "give at least one track (truth, comparison)");
      int questions = SyntheticWorld.ENTITIES * SyntheticWorld.RELATIONS.size();
      checkArgument(truthHeldOut >= 1 && truthPool >= 2 && truthHeldOut + truthPool <= questions,
          "the truth track has %s questions, but %s held-out + %s pool questions were asked for (each at least 1, the pool at least 2)",
          questions, truthHeldOut, truthPool);
      int pairs = SyntheticWorld.ENTITIES * (SyntheticWorld.ENTITIES - 1) / 2;
      checkArgument(comparisonHeldOut >= 1 && comparisonPool >= 2 && comparisonHeldOut + comparisonPool <= pairs,
          "the comparison track has %s entity pairs, but %s held-out + %s pool pairs were asked for (each at least 1, the pool at least 2)",
          pairs, comparisonHeldOut, comparisonPool);
      checkArgument(batchSize >= 4 && batchSize % 2 == 0, "the ICM batch must be an even number of claims >= 4, but was %s", batchSize);
      checkArgument(alpha > 0 && Double.isFinite(alpha), "alpha must be > 0 and finite, but was %s", alpha);
      requireNonNull(search, "search");
      requireNonNull(reward, "reward");
      requireNonNull(policy, "policy");
      checkArgument(bestOfN >= 1, "best-of-n needs n >= 1, but was %s", bestOfN);
    }
  }

  /**
   * The claims and questions of one track.
   *
   * @param pool ICM's claims, question by question
   * @param poolGold their gold labels
   * @param poolControl their control labels (comparison track: null for pairs with no control preference)
   * @param rules ICM's rule
   * @param heldOutClaims the held-out claims of the reward models' gold pairs
   * @param heldOutGold their gold labels
   * @param heldOutControl their control labels (comparison track only; may be empty)
   * @param train the policy's training questions (the pool's)
   * @param test the policy's held-out questions
   * @param truth every choice's claim id to whether it is true
   */
  record Claims(
      List<Example> pool,
      GoldLabels poolGold,
      GoldLabels poolControl,
      List<ConsistencyRule> rules,
      List<Example> heldOutClaims,
      GoldLabels heldOutGold,
      GoldLabels heldOutControl,
      List<ChoiceQuestion> train,
      List<ChoiceQuestion> test,
      Map<String, Boolean> truth) {}

  /** The claims of the truth track. */
  static Claims truthClaims(SyntheticWorld world, Settings s) {
    SplittableRandom rng = new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + 0x7E3L);
    List<int[]> pairs = new ArrayList<>();
    for (int e = 0; e < SyntheticWorld.ENTITIES; e++) {
      for (int r = 0; r < SyntheticWorld.RELATIONS.size(); r++) {
        pairs.add(new int[] {e, r});
      }
    }
    shuffle(pairs, rng);
    List<int[]> held = pairs.subList(0, s.truthHeldOut());
    List<int[]> poolPairs = pairs.subList(s.truthHeldOut(), s.truthHeldOut() + s.truthPool());
    List<Example> pool = new ArrayList<>();
    Map<String, String> poolGold = new HashMap<>();
    for (int[] p : poolPairs) {
      List<String> others = others(world, p, rng);
      relationQuestion(world, "pool", p, others.get(0), rng, pool, poolGold);
    }
    List<Example> heldClaims = new ArrayList<>();
    Map<String, String> heldGold = new HashMap<>();
    for (int[] p : held) {
      String relation = SyntheticWorld.RELATIONS.get(p[1]);
      String group = "held-" + SyntheticWorld.entity(p[0]) + "-" + relation;
      for (String v : SyntheticWorld.values(relation)) {
        Example e = new Example(group + "-" + v, SyntheticWorld.relationClaim(p[0], relation, v), group, Map.of());
        heldClaims.add(e);
        heldGold.put(e.id(), world.value(relation, p[0]).equals(v) ? TRUE : "False");
      }
    }
    Map<String, Boolean> truth = new HashMap<>();
    List<ChoiceQuestion> train = relationQuestions(world, poolPairs, truth);
    List<ChoiceQuestion> test = relationQuestions(world, held, truth);
    return new Claims(
        List.copyOf(pool), GoldLabels.of(SPACE, poolGold), GoldLabels.of(SPACE, Map.of()), List.of(Rules.exactlyOne()),
        List.copyOf(heldClaims), GoldLabels.of(SPACE, heldGold), GoldLabels.of(SPACE, Map.of()), train, test, Map.copyOf(truth));
  }

  private static List<String> others(SyntheticWorld world, int[] pair, SplittableRandom rng) {
    String relation = SyntheticWorld.RELATIONS.get(pair[1]);
    List<String> others = new ArrayList<>(SyntheticWorld.values(relation));
    others.remove(world.value(relation, pair[0]));
    shuffle(others, rng);
    return others;
  }

  private static void relationQuestion(
      SyntheticWorld world, String prefix, int[] pair, String other, SplittableRandom rng, List<Example> into,
      Map<String, String> gold) {
    int e = pair[0];
    String relation = SyntheticWorld.RELATIONS.get(pair[1]);
    List<String> candidates = new ArrayList<>(List.of(world.value(relation, e), other));
    // the group names both candidates in name order, never which one is true
    String group = prefix + "-" + SyntheticWorld.entity(e) + "-" + relation + "-"
        + String.join("-", candidates.stream().sorted().toList());
    shuffle(candidates, rng);
    for (int c = 0; c < candidates.size(); c++) {
      String id = group + "-" + c;
      into.add(new Example(id, SyntheticWorld.relationClaim(e, relation, candidates.get(c)), group, Map.of()));
      gold.put(id, world.value(relation, e).equals(candidates.get(c)) ? TRUE : "False");
    }
  }

  /** "e12 colour" answered by one of the relation's values, each judged as "e12 colour v :". */
  private static List<ChoiceQuestion> relationQuestions(SyntheticWorld world, List<int[]> pairs, Map<String, Boolean> truth) {
    List<ChoiceQuestion> out = new ArrayList<>();
    for (int[] p : pairs) {
      String relation = SyntheticWorld.RELATIONS.get(p[1]);
      String id = "ask-" + SyntheticWorld.entity(p[0]) + "-" + relation;
      List<Choice> choices = new ArrayList<>();
      for (String v : SyntheticWorld.values(relation)) {
        Example claim = new Example(id + "-" + v, SyntheticWorld.relationClaim(p[0], relation, v), id, Map.of());
        choices.add(new Choice(" " + v, claim));
        truth.put(claim.id(), world.value(relation, p[0]).equals(v));
      }
      out.add(new ChoiceQuestion(id, SyntheticWorld.entity(p[0]) + " " + relation, choices));
    }
    return List.copyOf(out);
  }

  /** The claims of the comparison track. */
  static Claims comparisonClaims(SyntheticWorld world, Settings s) {
    SplittableRandom rng = new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + 0xC3AL);
    List<int[]> pairs = new ArrayList<>();
    for (int a = 0; a < SyntheticWorld.ENTITIES; a++) {
      for (int b = a + 1; b < SyntheticWorld.ENTITIES; b++) {
        pairs.add(new int[] {a, b});
      }
    }
    shuffle(pairs, rng);
    List<int[]> poolPairs = pairs.subList(0, s.comparisonPool());
    List<int[]> held = pairs.subList(s.comparisonPool(), s.comparisonPool() + s.comparisonHeldOut());
    SyntheticWorld.RelationRule control = world.controlRule();
    List<Example> pool = new ArrayList<>();
    Map<String, String> poolGold = new HashMap<>();
    Map<String, String> poolControl = new HashMap<>();
    comparisonClaims(world, control, "pool", poolPairs, pool, poolGold, poolControl);
    List<Example> heldClaims = new ArrayList<>();
    Map<String, String> heldGold = new HashMap<>();
    Map<String, String> heldControl = new HashMap<>();
    comparisonClaims(world, control, "held", held, heldClaims, heldGold, heldControl);
    Map<String, Boolean> truth = new HashMap<>();
    List<ChoiceQuestion> train = comparisonQuestions(world, poolPairs, truth);
    List<ChoiceQuestion> test = comparisonQuestions(world, held, truth);
    return new Claims(
        List.copyOf(pool), GoldLabels.of(SPACE, poolGold), GoldLabels.of(SPACE, poolControl), List.of(Rules.asymmetry()),
        List.copyOf(heldClaims), GoldLabels.of(SPACE, heldGold), GoldLabels.of(SPACE, heldControl), train, test,
        Map.copyOf(truth));
  }

  private static void comparisonClaims(
      SyntheticWorld world, SyntheticWorld.RelationRule control, String prefix, List<int[]> pairs, List<Example> into,
      Map<String, String> gold, Map<String, String> controlLabels) {
    for (int[] p : pairs) {
      String group = prefix + "-" + SyntheticWorld.entity(p[0]) + "-" + SyntheticWorld.entity(p[1]);
      boolean a = control.label(p[0], "", "");
      boolean b = control.label(p[1], "", "");
      for (int[] o : new int[][] {{p[0], p[1]}, {p[1], p[0]}}) {
        String id = group + "-" + SyntheticWorld.entity(o[0]);
        into.add(new Example(id, SyntheticWorld.comparisonClaim(o[0], o[1]), group, Map.of()));
        gold.put(id, world.bigger(o[0], o[1]) ? TRUE : "False");
        if (a != b) {
          // the control prefers the order that puts the entity of the control half first
          controlLabels.put(id, control.label(o[0], "", "") ? TRUE : "False");
        }
      }
    }
  }

  /** After a line break, "a bigger b" or "b bigger a", each judged as that claim. */
  private static List<ChoiceQuestion> comparisonQuestions(SyntheticWorld world, List<int[]> pairs, Map<String, Boolean> truth) {
    List<ChoiceQuestion> out = new ArrayList<>();
    for (int[] p : pairs) {
      String id = "ask-" + SyntheticWorld.entity(p[0]) + "-" + SyntheticWorld.entity(p[1]);
      List<Choice> choices = new ArrayList<>();
      for (int[] o : new int[][] {{p[0], p[1]}, {p[1], p[0]}}) {
        Example claim = new Example(id + "-" + SyntheticWorld.entity(o[0]), SyntheticWorld.comparisonClaim(o[0], o[1]), id, Map.of());
        choices.add(new Choice(SyntheticWorld.entity(o[0]) + " bigger " + SyntheticWorld.entity(o[1]), claim));
        truth.put(claim.id(), world.bigger(o[0], o[1]));
      }
      out.add(new ChoiceQuestion(id, SyntheticWorld.NEWLINE, choices));
    }
    return List.copyOf(out);
  }

  /**
   * A reward model and how it did.
   *
   * @param trainedOn pairs it was trained on
   * @param pairAgreement share of its training pairs that the gold labels prefer the same way
   * @param heldOut pairwise accuracy on the held-out gold pairs
   * @param control pairwise accuracy on the held-out control pairs (NaN without them)
   * @param details what training reported
   */
  record Rm(int trainedOn, double pairAgreement, double heldOut, double control, Map<String, String> details) {}

  /**
   * A policy and how it did on the held-out questions.
   *
   * @param accuracy the probability that a sampled answer is true, averaged over the questions
   * @param perQuestion that probability per held-out question
   * @param curve per evaluated step: mean reward of the drawn answers and held-out accuracy
   */
  record Policy(double accuracy, double[] perQuestion, List<WorldExperiment.Point> curve) {}

  /**
   * The measured outcome of one track and seed.
   *
   * @param track the track
   * @param seed the seed
   * @param claims the claims
   * @param icm ICM over the pool
   * @param icmAgreement ICM's agreement with gold over the pool
   * @param base the untrained world model as a reward model (its zero-shot log-odds)
   * @param icmRm trained on ICM's pairs
   * @param goldRm trained on the gold pairs of the pool
   * @param randomRm trained on pairs of random labels (one True per question)
   * @param controlRm trained on the control concept's pairs of the pool (comparison track; null otherwise)
   * @param untrained the world model as a policy
   * @param bestOfNIcm best-of-n with the ICM reward model over the untrained policy
   * @param bestOfNGold best-of-n with the gold reward model
   * @param rlIcm REINFORCE with the ICM reward model
   * @param rlGold REINFORCE with the gold reward model
   * @param rlRandom REINFORCE with the random reward model
   * @param icmTime ICM's wall-clock time
   * @param elapsed the track's wall-clock time
   */
  record Outcome(
      Track track,
      long seed,
      Claims claims,
      IcmResult icm,
      double icmAgreement,
      Rm base,
      Rm icmRm,
      Rm goldRm,
      Rm randomRm,
      @org.jspecify.annotations.Nullable Rm controlRm,
      Policy untrained,
      Policy bestOfNIcm,
      Policy bestOfNGold,
      Policy rlIcm,
      Policy rlGold,
      Policy rlRandom,
      Duration icmTime,
      Duration elapsed) {

    /** Head-to-head win rate of the ICM-reward-model policy against the gold-reward-model policy. */
    double icmVsGold() {
      return headToHead(rlIcm.perQuestion(), rlGold.perQuestion());
    }

    /** Head-to-head win rate of the ICM-reward-model policy against the untrained policy. */
    double icmVsUntrained() {
      return headToHead(rlIcm.perQuestion(), untrained.perQuestion());
    }
  }

  /** Receives progress: a share of the seed's work done and what is running. */
  interface Progress {
    void update(double done, String what);
  }

  /**
   * Runs one track for one seed.
   *
   * @param world the world
   * @param track the track
   * @param lm the track's world model (not changed)
   * @param scorer a scorer over {@code lm}
   * @param s the settings
   * @param progress receives progress
   */
  static Outcome run(SyntheticWorld world, Track track, BlockLm lm, DjlScorer scorer, Settings s, Progress progress) {
    long start = System.nanoTime();
    Claims claims = track == Track.TRUTH ? truthClaims(world, s) : comparisonClaims(world, s);
    String tag = track.lowerName() + ", seed " + s.seed() + ": ";
    progress.update(0, tag + "ICM on " + claims.pool().size() + " claims");
    int batches = (claims.pool().size() + s.batchSize() - 1) / s.batchSize();
    int[] done = {0};
    org.icm4j.spi.IcmListener listener =
        new org.icm4j.spi.IcmListener() {
          @Override
          public void onBatchEnd(org.icm4j.result.BatchSummary summary) {
            done[0]++;
            progress.update(0.5 * done[0] / batches, tag + "ICM batch " + done[0] + " of " + batches);
          }
        };
    long icmStart = System.nanoTime();
    IcmResult icm =
        s.search().configure(Icm.builder()).scorer(scorer).rules(claims.rules()).alpha(s.alpha())
            .batchSize(s.batchSize()).seed(s.seed()).listener(listener).build().run(claims.pool());
    Duration icmTime = Duration.ofNanos(System.nanoTime() - icmStart);
    double agreement = Evaluation.agreement(icm.labels(), claims.poolGold());

    List<PreferencePair> icmPairs = PreferencePairs.fromResult(claims.pool(), icm, TRUE, "ICM labels, seed " + s.seed());
    List<PreferencePair> goldPairs = RewardEvaluation.goldPairs(claims.pool(), claims.poolGold(), TRUE, "gold labels");
    List<PreferencePair> randomPairs =
        PreferencePairs.fromLabels(claims.pool(), randomLabels(claims.pool(), s.seed()), TRUE, "random labels, seed " + s.seed());
    List<PreferencePair> heldOut = RewardEvaluation.goldPairs(claims.heldOutClaims(), claims.heldOutGold(), TRUE, "gold labels");
    List<PreferencePair> heldControl =
        RewardEvaluation.goldPairs(claims.heldOutClaims(), claims.heldOutControl(), TRUE, "control concept");
    Map<String, String> goldPreference = preference(goldPairs);

    long rewardSeed = s.seed() * 31 + 7;
    try (BradleyTerryTrainer trainer =
        BradleyTerryTrainer.builder().base(lm).tokenizer(world.tokenizer()).template(WorldProbe.template())
            .options(s.reward()).build()) {
      Rm base;
      try (LmRewardModel m = trainer.baseModel()) {
        base = rm(m, List.of(), goldPreference, heldOut, heldControl);
      }
      progress.update(0.55, tag + "reward model on ICM's " + icmPairs.size() + " pairs");
      try (LmRewardModel icmRm = trainer.train(new RewardTrainingRequest(icmPairs, rewardSeed));
          LmRewardModel goldRm = trained(trainer, goldPairs, rewardSeed, progress, 0.6, tag + "reward model on gold pairs");
          LmRewardModel randomRm = trained(trainer, randomPairs, rewardSeed, progress, 0.65, tag + "reward model on random pairs")) {
        Rm icmMeasure = rm(icmRm, icmPairs, goldPreference, heldOut, heldControl);
        Rm goldMeasure = rm(goldRm, goldPairs, goldPreference, heldOut, heldControl);
        Rm randomMeasure = rm(randomRm, randomPairs, goldPreference, heldOut, heldControl);
        Rm controlMeasure = null;
        if (track == Track.COMPARISON) {
          List<PreferencePair> controlPairs =
              RewardEvaluation.goldPairs(claims.pool(), claims.poolControl(), TRUE, "control concept");
          try (LmRewardModel controlRm = trained(trainer, controlPairs, rewardSeed, progress, 0.7, tag + "reward model on control pairs")) {
            controlMeasure = rm(controlRm, controlPairs, goldPreference, heldOut, heldControl);
          }
        }

        try (ChoicePolicy untrainedPolicy = ChoicePolicy.over(lm, world.tokenizer())) {
          Policy untrained = policy(untrainedPolicy, claims, List.of());
          List<double[]> startPolicy = untrainedPolicy.probabilities(claims.test());
          Policy bestIcm = bestOfN(startPolicy, icmRm, claims, s.bestOfN());
          Policy bestGold = bestOfN(startPolicy, goldRm, claims, s.bestOfN());
          long policySeed = s.seed() * 131 + 17;
          Policy rlIcm = reinforce(lm, world, icmRm, claims, policySeed, s, progress, 0.75, tag + "policy with the ICM reward model");
          Policy rlGold = reinforce(lm, world, goldRm, claims, policySeed, s, progress, 0.83, tag + "policy with the gold reward model");
          Policy rlRandom = reinforce(lm, world, randomRm, claims, policySeed, s, progress, 0.91, tag + "policy with the random reward model");
          progress.update(1, tag + "done");
          return new Outcome(
              track, s.seed(), claims, icm, agreement, base, icmMeasure, goldMeasure, randomMeasure, controlMeasure,
              untrained, bestIcm, bestGold, rlIcm, rlGold, rlRandom, icmTime, Duration.ofNanos(System.nanoTime() - start));
        }
      }
    }
  }

  private static LmRewardModel trained(
      BradleyTerryTrainer trainer, List<PreferencePair> pairs, long seed, Progress progress, double done, String what) {
    progress.update(done, what);
    return trainer.train(new RewardTrainingRequest(pairs, seed));
  }

  /** For each pair's group, the id of the response the pairs prefer. */
  private static Map<String, String> preference(List<PreferencePair> pairs) {
    Map<String, String> out = new HashMap<>();
    for (PreferencePair p : pairs) {
      out.put(p.group(), p.chosen().id());
    }
    return out;
  }

  private static Rm rm(
      RewardModel m, List<PreferencePair> trainedOn, Map<String, String> goldPreference, List<PreferencePair> heldOut,
      List<PreferencePair> heldControl) {
    int agree = 0;
    for (PreferencePair p : trainedOn) {
      if (p.chosen().id().equals(goldPreference.get(p.group()))) {
        agree++;
      }
    }
    return new Rm(
        trainedOn.size(),
        trainedOn.isEmpty() ? Double.NaN : (double) agree / trainedOn.size(),
        RewardEvaluation.pairwiseAccuracy(m, heldOut),
        heldControl.isEmpty() ? Double.NaN : RewardEvaluation.pairwiseAccuracy(m, heldControl),
        m.details());
  }

  /** Random labels with one True per question (drawn in id order of the groups). */
  static Labeling randomLabels(List<Example> examples, long seed) {
    Map<String, List<Example>> groups = new java.util.TreeMap<>();
    for (Example e : examples) {
      groups.computeIfAbsent(e.group(), g -> new ArrayList<>()).add(e);
    }
    SplittableRandom rng = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + 0x7A11L);
    Map<String, String> labels = new HashMap<>();
    for (List<Example> members : groups.values()) {
      members.sort(java.util.Comparator.comparing(Example::id));
      int pick = rng.nextInt(members.size());
      for (int i = 0; i < members.size(); i++) {
        labels.put(members.get(i).id(), i == pick ? TRUE : "False");
      }
    }
    return Labeling.of(SPACE, labels);
  }

  private static Policy policy(ChoicePolicy p, Claims claims, List<WorldExperiment.Point> curve) {
    double[] per = accuracies(p.probabilities(claims.test()), claims);
    return new Policy(mean(per), per, curve);
  }

  private static Policy bestOfN(List<double[]> start, RewardModel rm, Claims claims, int n) {
    List<double[]> picked = new ArrayList<>();
    for (int q = 0; q < claims.test().size(); q++) {
      List<Example> responses = new ArrayList<>();
      for (Choice c : claims.test().get(q).choices()) {
        responses.add(c.claim());
      }
      picked.add(BestOfN.probabilities(start.get(q), rm.rewards(responses), n));
    }
    double[] per = accuracies(picked, claims);
    return new Policy(mean(per), per, List.of());
  }

  private static Policy reinforce(
      BlockLm lm, SyntheticWorld world, RewardModel rm, Claims claims, long seed, Settings s, Progress progress,
      double done, String what) {
    progress.update(done, what);
    List<WorldExperiment.Point> curve = new ArrayList<>();
    int every = Math.max(1, s.policy().steps() / 20);
    PolicyGradientListener listener =
        (step, policy) -> {
          if (step.step() % every == 0 || step.step() == step.steps()) {
            double accuracy = mean(accuracies(policy.probabilities(claims.test()), claims));
            curve.add(new WorldExperiment.Point((int) s.seed(), step.step(), step.meanReward(), accuracy));
            progress.update(done + 0.08 * step.step() / step.steps(), what + String.format(Locale.ROOT,
                " (step %d of %d, held-out accuracy %.2f)", step.step(), step.steps(), accuracy));
          }
        };
    try (PolicyGradient rl =
            PolicyGradient.builder().base(lm).tokenizer(world.tokenizer()).options(s.policy()).listener(listener).build();
        ChoicePolicy trained = rl.train(claims.train(), rm, seed)) {
      return policy(trained, claims, curve);
    }
  }

  /** The probability that a sampled answer is true, per question. */
  static double[] accuracies(List<double[]> probabilities, Claims claims) {
    double[] out = new double[probabilities.size()];
    for (int q = 0; q < out.length; q++) {
      List<Choice> choices = claims.test().get(q).choices();
      for (int c = 0; c < choices.size(); c++) {
        if (requireNonNull(claims.truth().get(choices.get(c).claim().id()), "truth of a test choice")) {
          out[q] += probabilities.get(q)[c];
        }
      }
    }
    return out;
  }

  /**
   * The head-to-head win rate of policy a over policy b: per question, one answer of each is drawn;
   * the true one wins, and a tie (both true or both false) counts half. Exact, from each policy's
   * probability of a true answer.
   */
  static double headToHead(double[] a, double[] b) {
    double sum = 0;
    for (int q = 0; q < a.length; q++) {
      sum += a[q] * (1 - b[q]) + 0.5 * (a[q] * b[q] + (1 - a[q]) * (1 - b[q]));
    }
    return sum / a.length;
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return v.length == 0 ? Double.NaN : s / v.length;
  }

  private static <T> void shuffle(List<T> list, SplittableRandom rng) {
    for (int i = list.size() - 1; i > 0; i--) {
      Collections.swap(list, i, rng.nextInt(i + 1));
    }
  }

  /**
   * The human-supervision arms of one track and seed (issue 18): reward models and REINFORCE
   * policies from the {@link SimulatedAnnotators}' labels of the pool (questions they labelled
   * against the rule, both claims alike, give no pair, like ties), from ICM with k trusted labels,
   * and from the k trusted labels alone (each trusted question prefers its true claim).
   *
   * @param annotators what the annotators did on the pool
   * @param annotatorRm trained on the annotators' pairs
   * @param bestOfNAnnotators best-of-n with it over the untrained policy
   * @param rlAnnotators REINFORCE with it
   * @param trusted the k trusted labels ({@link TrustedLabelChoice}: chosen from the first ICM run, labelled by truth)
   * @param icmTrusted ICM over the pool with them
   * @param trustedAgreement its agreement with gold on the claims not trusted
   * @param trustedRm trained on its pairs
   * @param rlTrusted REINFORCE with it
   * @param kAloneRm trained on the k trusted labels' pairs alone
   * @param rlKAlone REINFORCE with it
   * @param elapsed wall-clock time of these arms
   */
  record HumanArms(
      SimulatedAnnotators.Report annotators,
      Rm annotatorRm,
      Policy bestOfNAnnotators,
      Policy rlAnnotators,
      TrustedLabelChoice.Choice trusted,
      IcmResult icmTrusted,
      double trustedAgreement,
      Rm trustedRm,
      Policy rlTrusted,
      Rm kAloneRm,
      Policy rlKAlone,
      Duration elapsed) {}

  /** Runs the human-supervision arms after {@link #run}, whose ICM result chooses the trusted examples. */
  static HumanArms humanArms(
      SyntheticWorld world, Track track, BlockLm lm, DjlScorer scorer, Settings s, Outcome first, int k,
      Progress progress) {
    long start = System.nanoTime();
    Claims claims = first.claims();
    String tag = track.lowerName() + ", seed " + s.seed() + ", human arms: ";
    SimulatedAnnotators.Annotation annotation = SimulatedAnnotators.of(world, s.seed()).label(claims.pool());
    List<PreferencePair> annotatorPairs =
        PreferencePairs.fromLabels(claims.pool(), annotation.labels(), TRUE, "simulated annotators, seed " + s.seed());
    TrustedLabelChoice.Choice trusted = TrustedLabelChoice.choose(first.icm(), claims.poolGold(), k);
    progress.update(0.05, tag + "ICM with " + k + " trusted labels");
    IcmResult icmTrusted =
        s.search().configure(Icm.builder()).scorer(scorer).rules(claims.rules()).alpha(s.alpha())
            .batchSize(s.batchSize()).seed(s.seed()).trustedLabels(trusted.labels()).build().run(claims.pool());
    double trustedAgreement = Evaluation.agreement(icmTrusted.labels(), claims.poolGold(), trusted.labels());
    List<PreferencePair> trustedPairs =
        PreferencePairs.fromResult(claims.pool(), icmTrusted, TRUE, "ICM + " + k + " trusted labels, seed " + s.seed());
    List<PreferencePair> alonePairs = TrustedLabelChoice.pairs(claims.pool(), trusted.labels(), k + " trusted labels alone");
    List<PreferencePair> goldPairs = RewardEvaluation.goldPairs(claims.pool(), claims.poolGold(), TRUE, "gold labels");
    List<PreferencePair> heldOut = RewardEvaluation.goldPairs(claims.heldOutClaims(), claims.heldOutGold(), TRUE, "gold labels");
    List<PreferencePair> heldControl =
        RewardEvaluation.goldPairs(claims.heldOutClaims(), claims.heldOutControl(), TRUE, "control concept");
    Map<String, String> goldPreference = preference(goldPairs);
    long rewardSeed = s.seed() * 31 + 7;
    long policySeed = s.seed() * 131 + 17;
    try (BradleyTerryTrainer trainer =
            BradleyTerryTrainer.builder().base(lm).tokenizer(world.tokenizer()).template(WorldProbe.template())
                .options(s.reward()).build();
        LmRewardModel annotatorRm = trained(trainer, annotatorPairs, rewardSeed, progress, 0.4, tag + "reward model on the annotators' pairs");
        LmRewardModel trustedRm = trained(trainer, trustedPairs, rewardSeed, progress, 0.45, tag + "reward model on ICM + k pairs");
        LmRewardModel aloneRm = trained(trainer, alonePairs, rewardSeed, progress, 0.5, tag + "reward model on the k pairs alone");
        ChoicePolicy untrainedPolicy = ChoicePolicy.over(lm, world.tokenizer())) {
      Rm annotatorMeasure = rm(annotatorRm, annotatorPairs, goldPreference, heldOut, heldControl);
      Rm trustedMeasure = rm(trustedRm, trustedPairs, goldPreference, heldOut, heldControl);
      Rm aloneMeasure = rm(aloneRm, alonePairs, goldPreference, heldOut, heldControl);
      Policy bestAnnotators = bestOfN(untrainedPolicy.probabilities(claims.test()), annotatorRm, claims, s.bestOfN());
      Policy rlAnnotators = reinforce(lm, world, annotatorRm, claims, policySeed, s, progress, 0.55, tag + "policy with the annotators' reward model");
      Policy rlTrusted = reinforce(lm, world, trustedRm, claims, policySeed, s, progress, 0.7, tag + "policy with the ICM + k reward model");
      Policy rlAlone = reinforce(lm, world, aloneRm, claims, policySeed, s, progress, 0.85, tag + "policy with the k-pairs reward model");
      progress.update(1, tag + "done");
      return new HumanArms(
          annotation.report(), annotatorMeasure, bestAnnotators, rlAnnotators, trusted, icmTrusted, trustedAgreement,
          trustedMeasure, rlTrusted, aloneMeasure, rlAlone, Duration.ofNanos(System.nanoTime() - start));
    }
  }
}
