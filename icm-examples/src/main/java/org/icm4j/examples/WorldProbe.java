package org.icm4j.examples;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.PromptLayout;

/**
 * Checks a trained world model before any ICM run (toy-world-findings: judge in-context learning
 * by its gain over context-free baselines, and check that truth ranks first on mutual
 * predictability): zero-shot, many-shot with gold, random and each surface rule's labels, on
 * held-out truth-task claims; and the mean leave-one-out signed log-odds (the mutual
 * predictability of ICM) of each rule's labeling of one batch. Run with {@code java ...
 * org.icm4j.examples.WorldProbe [--quick] CHECKPOINT_DIR [worldSeed] [contextClaims]}; {@code
 * --quick} prints two lines for watching a training run (label sensitivity and per-rule many-shot
 * over three contexts; grade and per-line label accuracy on fresh documents).
 */
public final class WorldProbe {
  private WorldProbe() {}

  /**
   * The layout of the world's labelled lines: {@code "e12 colour red : True\n"}.
   *
   * @return the layout of the world's labelled lines
   */
  public static PromptLayout template() {
    return new PromptLayout(Map.of("True", " True", "False", " False"), "\n");
  }

  /**
   * Probes the embedded model and prints the report; {@code --quick} prints two lines.
   *
   * @param args {@code --quick}, or nothing for the whole report
   * @throws java.io.IOException when the embedded model cannot be copied out of the class path
   */
  public static void main(String[] args) throws java.io.IOException {
    boolean quick = args.length > 0 && args[0].equals("--quick");
    if (quick) {
      args = java.util.Arrays.copyOfRange(args, 1, args.length);
    }
    Path dir = Path.of(args[0]);
    long worldSeed = args.length > 1 ? Long.parseLong(args[1]) : 42;
    int contextClaims = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    SyntheticWorld world = SyntheticWorld.defaultWorld(worldSeed);
    LabelSpace space = LabelSpace.binary();
    try (DemoCommand.Model model = DemoCommand.Model.open(null, dir, world);
        DjlScorer scorer = model.scorer()) {
      if (quick) {
        System.out.println(quickLine(world, scorer));
        System.out.println(documentLine(world, model.lm()));
        System.out.println(comparisonLine(world, scorer, contextClaims));
        return;
      }
      for (String relation : SyntheticWorld.RELATIONS) {
        System.out.printf("fact recall (argmax of the value after \"eN %s\", %d entities): %.3f%n",
            relation, SyntheticWorld.ENTITIES, factRecall(world, model, relation));
      }
      System.out.println(documentLine(world, model.lm()));
      ClaimSet train = world.truthTask(contextClaims / SyntheticWorld.CANDIDATES, 1001);
      ClaimSet test = world.truthTask(60, 2002);
      List<Example> testExamples = heldOut(test.examples(), train);
      List<Example> ctx = train.examples().subList(0, Math.min(contextClaims, train.size()));
      System.out.printf("test claims %d, context claims %d%n", testExamples.size(), ctx.size());
      System.out.printf("zero-shot accuracy (truth): %.3f%n",
          Evaluation.zeroShotAccuracy(scorer, space, testExamples, test.gold()));
      for (String header : List.of(SyntheticWorld.TRUTH_HEADER, SyntheticWorld.SURFACE_HEADER)) {
        List<Example> headed = withHeader(testExamples, header);
        System.out.printf("zero-shot after the header line %s, accuracy (truth): %.3f%n", header,
            Evaluation.zeroShotAccuracy(scorer, space, headed, test.gold()));
      }
      System.out.printf("many-shot, gold truth labels: %.3f%n",
          Evaluation.manyShotAccuracy(scorer, space, labelled(ctx, train.gold()), testExamples, test.gold()));
      System.out.printf("many-shot, random labels: %.3f%n",
          Evaluation.randomLabelManyShotAccuracy(scorer, space, ctx, testExamples, test.gold(), 5));
      System.out.printf(
          "label sensitivity (mean |change of log-odds| when every context label is flipped): %.3f%n",
          labelSensitivity(scorer, labelled(ctx, train.gold()), testExamples));
      System.out.println(comparisonLine(world, scorer, contextClaims));
      GoldLabels smallTrain = relabel(train.examples(), world.valueSetRule(true));
      GoldLabels smallTest = relabel(testExamples, world.valueSetRule(true));
      System.out.printf(
          "rate-cue rule (2 values): zero-shot %.3f, many-shot with its labels %.3f (accuracy vs it)%n",
          Evaluation.zeroShotAccuracy(scorer, space, testExamples, smallTest),
          Evaluation.manyShotAccuracy(scorer, space, labelled(ctx, smallTrain), testExamples, smallTest));
      SyntheticWorld.RelationRule rule = world.valueSetRule();
      GoldLabels ruleTrain = relabel(train.examples(), rule);
      GoldLabels ruleTest = relabel(testExamples, rule);
      System.out.printf("zero-shot agreement with the value-set rule: %.3f%n",
          Evaluation.zeroShotAccuracy(scorer, space, testExamples, ruleTest));
      System.out.printf("many-shot with value-set rule labels, accuracy vs that rule: %.3f%n",
          Evaluation.manyShotAccuracy(scorer, space, labelled(ctx, ruleTrain), testExamples, ruleTest));
      // mutual predictability of each rule's labeling of one batch
      ClaimSet batchSet = world.truthTask(contextClaims / SyntheticWorld.CANDIDATES, 3003);
      List<Example> batch = batchSet.examples();
      Map<String, GoldLabels> labelings = new java.util.LinkedHashMap<>();
      labelings.put("truth", batchSet.gold());
      labelings.put("valueSet", relabel(batch, world.valueSetRule()));
      labelings.put("control", relabel(batch, world.controlRule()));
      labelings.put("random", randomLabels(batch, 9));
      // where does the truth labeling's predictability come from: claims where truth and the
      // surface rule agree, and where they part (zero-shot and leave-one-out signed log-odds)
      List<ScoreRequest> alone = new ArrayList<>();
      for (Example e : batch) {
        alone.add(new ScoreRequest(e, List.of()));
      }
      ScoreResult zero = scorer.score(space, alone);
      List<LabelledExample> truthLabelled = labelled(batch, batchSet.gold());
      ScoreResult loo = scorer.scoreLeaveOneOut(space, truthLabelled);
      GoldLabels surface = labelings.get("valueSet");
      for (boolean agree : new boolean[] {true, false}) {
        double z = 0;
        double l = 0;
        int n = 0;
        for (int i = 0; i < batch.size(); i++) {
          String t = batchSet.gold().label(batch.get(i).id()).orElseThrow();
          if (t.equals(surface.label(batch.get(i).id()).orElseThrow()) == agree) {
            int y = space.indexOf(t);
            z += signedLogOdds(zero.row(i), y);
            l += signedLogOdds(loo.row(i), y);
            n++;
          }
        }
        System.out.printf(
            "signed log-odds of the truth label, %d batch claims where truth and the value-set rule"
                + " %s: zero-shot %.3f, leave-one-out %.3f%n",
            n, agree ? "agree" : "differ", z / n, l / n);
      }
      for (Map.Entry<String, GoldLabels> l : labelings.entrySet()) {
        List<LabelledExample> ls = labelled(batch, l.getValue());
        // the truth labeling's leave-one-out scores are already there
        double mp = ls.equals(truthLabelled) ? mutualPredictability(loo, ls) : mutualPredictability(scorer, ls);
        System.out.printf("mutual predictability (mean LOO signed log-odds, %d claims) of %s: %.3f%n",
            ls.size(), l.getKey(), mp);
      }
    }
  }

  /**
   * The training-time view, on fresh documents of the world (no header): how often the model's
   * argmax after a label is the grade of a graded document (True when the label agrees with
   * truth), and its label accuracy by line index in truth and surface-rule documents (an in-context
   * learner gets better further down a document).
   */
  static String documentLine(SyntheticWorld world, org.icm4j.djl.CausalLm lm) {
    TextTokenizer tok = world.tokenizer();
    long colon = world.vocabulary().indexOf(":");
    long trueId = world.vocabulary().indexOf("True");
    long falseId = world.vocabulary().indexOf("False");
    SyntheticWorld.Mixture graded = SyntheticWorld.Mixture.PHASE_3.withGraded(1).withHeaderShare(0);
    SyntheticWorld.Mixture plain = SyntheticWorld.Mixture.PHASE_3.withHeaderShare(0);
    SplittableRandom rng = new SplittableRandom(777);
    int right = 0;
    int grades = 0;
    double[][] acc = new double[2][4];
    int[][] count = new int[2][4];
    try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager()) {
      for (int d = 0; d < 40; d++) {
        long[] ids = tok.encode(world.relationDocument(rng, 17, graded));
        float[][] logits = logits(lm, manager, ids);
        for (int i = 1; i + 1 < ids.length; i++) {
          if (ids[i - 1] == colon && (ids[i] == trueId || ids[i] == falseId)) {
            long predicted = logits[i][(int) trueId] > logits[i][(int) falseId] ? trueId : falseId;
            right += predicted == ids[i + 1] ? 1 : 0;
            grades++;
          }
        }
      }
      for (int d = 0; d < 300; d++) {
        String doc = world.relationDocument(rng, 20, plain);
        boolean truthDocument = true;
        for (String line : doc.split("\n")) {
          String[] w = line.split(" ");
          truthDocument &=
              world.truth().label(Integer.parseInt(w[0].substring(1)), w[1], w[2]) == w[4].equals("True");
        }
        long[] ids = tok.encode(doc);
        float[][] logits = logits(lm, manager, ids);
        int line = 0;
        for (int i = 0; i + 1 < ids.length; i++) {
          if (ids[i] == colon) {
            long predicted = logits[i][(int) trueId] > logits[i][(int) falseId] ? trueId : falseId;
            int kind = truthDocument ? 0 : 1;
            acc[kind][Math.min(3, line / 10)] += predicted == ids[i + 1] ? 1 : 0;
            count[kind][Math.min(3, line / 10)]++;
            line++;
          }
        }
      }
    }
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT, "grade accuracy after labels of graded documents: %.3f (%d);"
                    + " label accuracy by lines 0-9, 10-19, 20-29, 30-39 of unheaded documents:",
                (double) right / grades, grades));
    for (int kind = 0; kind < 2; kind++) {
      sb.append(kind == 0 ? " truth" : "; surface rule");
      for (int b = 0; b < 4; b++) {
        sb.append(String.format(Locale.ROOT, " %.3f", acc[kind][b] / Math.max(1, count[kind][b])));
      }
    }
    return sb.toString();
  }

  private static float[][] logits(org.icm4j.djl.CausalLm lm, ai.djl.ndarray.NDManager parent, long[] ids) {
    try (ai.djl.ndarray.NDManager m = parent.newSubManager()) {
      ai.djl.ndarray.NDArray l = lm.forward(m, ids, null).logits();
      float[][] out = new float[ids.length][];
      for (int i = 0; i < ids.length; i++) {
        out[i] = l.get(i).toFloatArray();
      }
      return out;
    }
  }

  /**
   * Accuracies on held-out claims without context and after a labelled context, and the label
   * sensitivity.
   */
  record InContext(double zeroShot, double gold, double random, double sensitivity) {}

  /**
   * How the model labels the claims of {@code held} whose questions are not in {@code context}:
   * alone, after {@code context} with gold labels, and after it with random labels (the mean of
   * {@code randomDraws} draws, seeds 1 to {@code randomDraws}: one draw that happens to look like a
   * rule can mislead); and the label sensitivity to {@code context}'s gold labels.
   */
  static InContext inContext(LabelScorer scorer, ClaimSet context, ClaimSet held, int randomDraws) {
    LabelSpace space = LabelSpace.binary();
    List<Example> test = heldOut(held.examples(), context);
    GoldLabels gold = held.gold();
    List<LabelledExample> labelled = labelled(context.examples(), context.gold());
    double random = 0;
    for (long seed = 1; seed <= randomDraws; seed++) {
      random +=
          Evaluation.randomLabelManyShotAccuracy(scorer, space, context.examples(), test, gold, seed) / randomDraws;
    }
    return new InContext(
        Evaluation.zeroShotAccuracy(scorer, space, test, gold),
        Evaluation.manyShotAccuracy(scorer, space, labelled, test, gold),
        random,
        labelSensitivity(scorer, labelled, test));
  }

  /**
   * The comparison task in context: zero-shot, after an {@code @truth} header (does the model know
   * the sizes?), many-shot with gold and with random labels (does it read the rule from the
   * labels?), and the label sensitivity; context from {@code contextClaims / 2} pairs (seed 1001),
   * held-out claims from 50 pairs (seed 2002).
   */
  static String comparisonLine(SyntheticWorld world, LabelScorer scorer, int contextClaims) {
    ClaimSet context = world.comparisonTask(contextClaims / 2, 1001);
    ClaimSet test = world.comparisonTask(50, 2002);
    List<Example> tests = heldOut(test.examples(), context);
    InContext m = inContext(scorer, context, test, 3);
    return String.format(
        java.util.Locale.ROOT,
        "comparison task (%d held-out claims, %d context claims): zero-shot %.3f, after %s %.3f,"
            + " many-shot gold %.3f, random %.3f (3 draws), label sensitivity %.3f",
        tests.size(),
        context.size(),
        m.zeroShot(),
        SyntheticWorld.TRUTH_HEADER,
        Evaluation.zeroShotAccuracy(
            scorer, LabelSpace.binary(), withHeader(tests, SyntheticWorld.TRUTH_HEADER), test.gold()),
        m.gold(),
        m.random(),
        m.sensitivity());
  }

  /**
   * One line for watching a training run: label sensitivity, and zero-shot against many-shot
   * accuracy when the 32 context claims are labelled by truth, by the value-set rule and by the two
   * rate-cue sets, each measured against the same rule, over three contexts of held-out claims.
   */
  static String quickLine(SyntheticWorld world, LabelScorer scorer) {
    LabelSpace space = LabelSpace.binary();
    ClaimSet test = world.truthTask(60, 2002);
    Map<String, SyntheticWorld.RelationRule> rules = new java.util.LinkedHashMap<>();
    rules.put("truth", world.truth());
    rules.put("sets3", world.valueSetRule());
    rules.put("sets2", world.valueSetRule(true));
    rules.put("sets4", world.valueSetRule(false));
    double[] zero = new double[rules.size()];
    double[] many = new double[rules.size()];
    double sensitivity = 0;
    double random = 0;
    long[] contexts = {1001, 1002, 1003};
    for (long seed : contexts) {
      ClaimSet train = world.truthTask(16, seed);
      List<Example> tests = heldOut(test.examples(), train).subList(0, 60);
      int k = 0;
      for (SyntheticWorld.RelationRule rule : rules.values()) {
        GoldLabels context = relabel(train.examples(), rule);
        GoldLabels expected = relabel(tests, rule);
        zero[k] += Evaluation.zeroShotAccuracy(scorer, space, tests, expected);
        many[k] += Evaluation.manyShotAccuracy(scorer, space, labelled(train.examples(), context), tests, expected);
        k++;
      }
      random += Evaluation.randomLabelManyShotAccuracy(
          scorer, space, train.examples(), tests, relabel(tests, world.truth()), seed);
      sensitivity += labelSensitivity(scorer, labelled(train.examples(), train.gold()), tests);
    }
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT, "label sensitivity %.3f, many-shot with random labels vs truth %.3f |",
                sensitivity / contexts.length, random / contexts.length));
    int k = 0;
    for (String name : rules.keySet()) {
      sb.append(
          String.format(
              Locale.ROOT, " %s zero-shot %.3f many-shot %.3f |",
              name, zero[k] / contexts.length, many[k] / contexts.length));
      k++;
    }
    return sb.toString();
  }

  /**
   * How much the labels of a context move the model: the mean over {@code queries} of the absolute
   * change of the signed log-odds {@code log P(True) - log P(False)} when every label of {@code
   * context} is flipped. 0 means the model ignores the labels of its context.
   */
  static double labelSensitivity(
      LabelScorer scorer, List<LabelledExample> context, List<Example> queries) {
    LabelSpace space = LabelSpace.binary();
    List<LabelledExample> flipped = new ArrayList<>();
    for (LabelledExample le : context) {
      flipped.add(new LabelledExample(le.example(), space.name(1 - space.indexOf(le.label()))));
    }
    List<ScoreRequest> asGiven = new ArrayList<>();
    List<ScoreRequest> asFlipped = new ArrayList<>();
    for (Example q : queries) {
      asGiven.add(new ScoreRequest(q, context));
      asFlipped.add(new ScoreRequest(q, flipped));
    }
    ScoreResult a = scorer.score(space, asGiven);
    ScoreResult b = scorer.score(space, asFlipped);
    double sum = 0;
    for (int i = 0; i < queries.size(); i++) {
      sum += Math.abs(signedLogOdds(a.row(i), 0) - signedLogOdds(b.row(i), 0));
    }
    return sum / queries.size();
  }

  /** Share of entities whose most likely next token after "eN relation" is their true value. */
  static double factRecall(SyntheticWorld world, DemoCommand.Model model, String relation) {
    List<String> values = SyntheticWorld.values(relation);
    LabelSpace space = new LabelSpace(values);
    Map<String, String> verbalizers = new HashMap<>();
    for (String v : values) {
      verbalizers.put(v, " " + v);
    }
    try (DjlScorer scorer =
        DjlScorer.builder()
            .model(model.lm())
            .tokenizer(model.tokenizer())
            .template(new PromptLayout(verbalizers, "\n"))
            .ownsResources(false)
            .build()) {
      List<ScoreRequest> requests = new ArrayList<>();
      for (int e = 0; e < SyntheticWorld.ENTITIES; e++) {
        requests.add(
            new ScoreRequest(
                Example.of("fact-" + e, SyntheticWorld.entity(e) + " " + relation), List.of()));
      }
      ScoreResult r = scorer.score(space, requests);
      int right = 0;
      for (int e = 0; e < SyntheticWorld.ENTITIES; e++) {
        double[] row = r.row(e);
        int best = 0;
        for (int k = 1; k < row.length; k++) {
          best = row[k] > row[best] ? k : best;
        }
        right += values.get(best).equals(world.value(relation, e)) ? 1 : 0;
      }
      return (double) right / SyntheticWorld.ENTITIES;
    }
  }

  /** The examples with {@code header} as a line before each prompt (a rule header, say). */
  static List<Example> withHeader(List<Example> examples, String header) {
    List<Example> out = new ArrayList<>();
    for (Example e : examples) {
      out.add(new Example(e.id(), header + "\n" + e.prompt(), e.group(), e.attributes()));
    }
    return out;
  }

  /**
   * ICM's mutual predictability of a binary labeling: the mean leave-one-out signed log-odds
   * {@code log P(label) - log P(other label)}.
   */
  static double mutualPredictability(LabelScorer scorer, List<LabelledExample> labelled) {
    return mutualPredictability(scorer.scoreLeaveOneOut(LabelSpace.binary(), labelled), labelled);
  }

  /** The mutual predictability of {@code labelled} from its leave-one-out scores {@code loo}. */
  static double mutualPredictability(ScoreResult loo, List<LabelledExample> labelled) {
    LabelSpace space = LabelSpace.binary();
    double sum = 0;
    for (int i = 0; i < labelled.size(); i++) {
      sum += signedLogOdds(loo.row(i), space.indexOf(labelled.get(i).label()));
    }
    return sum / labelled.size();
  }

  /** {@code log P(label y) - log P(the other label)} of a binary score row. */
  static double signedLogOdds(double[] row, int y) {
    return row[y] - row[1 - y];
  }

  /** The examples of {@code test} whose question (group) is not asked in {@code context}. */
  static List<Example> heldOut(List<Example> test, ClaimSet context) {
    List<Example> out = new ArrayList<>(test);
    out.removeIf(e -> context.examples().stream().anyMatch(c -> c.group().equals(e.group())));
    return out;
  }

  static List<LabelledExample> labelled(List<Example> examples, GoldLabels labels) {
    List<LabelledExample> out = new ArrayList<>();
    for (Example e : examples) {
      out.add(new LabelledExample(e, labels.label(e.id()).orElseThrow()));
    }
    return out;
  }

  static GoldLabels relabel(List<Example> examples, SyntheticWorld.RelationRule rule) {
    Map<String, String> m = new HashMap<>();
    for (Example e : examples) {
      String[] w = e.prompt().split(" ");
      m.put(e.id(), rule.label(Integer.parseInt(w[0].substring(1)), w[1], w[2]) ? "True" : "False");
    }
    return GoldLabels.of(LabelSpace.binary(), m);
  }

  static GoldLabels randomLabels(List<Example> examples, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, String> m = new HashMap<>();
    for (Example e : examples) {
      m.put(e.id(), rng.nextBoolean() ? "True" : "False");
    }
    return GoldLabels.of(LabelSpace.binary(), m);
  }
}
