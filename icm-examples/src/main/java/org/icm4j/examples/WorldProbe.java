package org.icm4j.examples;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.PromptTemplate;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * Checks a trained world model before any ICM run (toy-world-findings: judge in-context learning
 * by its gain over context-free baselines, and check that truth ranks first on mutual
 * predictability): zero-shot, many-shot with gold, random and each surface rule's labels, on
 * held-out truth-task claims; and the mean leave-one-out signed log-odds (the mutual
 * predictability of ICM) of each rule's labeling of one batch. Run with {@code java ...
 * org.icm4j.examples.WorldProbe CHECKPOINT_DIR [worldSeed] [contextClaims]}.
 */
public final class WorldProbe {
  private WorldProbe() {}

  /** The layout of the world's labelled lines: {@code "e12 colour red : True\n"}. */
  public static PromptTemplate template() {
    return new PromptTemplate(Map.of("True", " True", "False", " False"), "\n");
  }

  public static void main(String[] args) throws java.io.IOException {
    Path dir = Path.of(args[0]);
    long worldSeed = args.length > 1 ? Long.parseLong(args[1]) : 42;
    int contextClaims = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    SyntheticWorld world = SyntheticWorld.defaultWorld(worldSeed);
    LabelSpace space = LabelSpace.binary();
    try (DemoCommand.Model model = DemoCommand.Model.open(null, dir, world);
        DjlScorer scorer = model.scorer()) {
      for (String relation : SyntheticWorld.RELATIONS) {
        System.out.printf("fact recall (argmax of the value after \"eN %s\", %d entities): %.3f%n",
            relation, SyntheticWorld.ENTITIES, factRecall(world, model, relation));
      }
      ClaimSet train = world.truthTask(contextClaims / SyntheticWorld.CANDIDATES, 1001);
      ClaimSet test = world.truthTask(60, 2002);
      List<Example> testExamples = new ArrayList<>(test.examples());
      // held-out questions only: no test question is asked in the context
      testExamples.removeIf(e -> train.examples().stream().anyMatch(t -> t.group().equals(e.group())));
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
      ScoreResult loo = scorer.scoreLeaveOneOut(space, labelled(batch, batchSet.gold()));
      GoldLabels surface = labelings.get("valueSet");
      for (boolean agree : new boolean[] {true, false}) {
        double z = 0;
        double l = 0;
        int n = 0;
        for (int i = 0; i < batch.size(); i++) {
          String t = batchSet.gold().label(batch.get(i).id()).orElseThrow();
          if (t.equals(surface.label(batch.get(i).id()).orElseThrow()) == agree) {
            int y = space.indexOf(t);
            z += zero.row(i)[y] - zero.row(i)[1 - y];
            l += loo.row(i)[y] - loo.row(i)[1 - y];
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
        System.out.printf("mutual predictability (mean LOO signed log-odds, %d claims) of %s: %.3f%n",
            ls.size(), l.getKey(), mutualPredictability(scorer, ls));
      }
    }
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
      sum += Math.abs((a.row(i)[0] - a.row(i)[1]) - (b.row(i)[0] - b.row(i)[1]));
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
            .template(new PromptTemplate(verbalizers, "\n"))
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
    LabelSpace space = LabelSpace.binary();
    ScoreResult r = scorer.scoreLeaveOneOut(space, labelled);
    double sum = 0;
    for (int i = 0; i < labelled.size(); i++) {
      int y = space.indexOf(labelled.get(i).label());
      sum += r.row(i)[y] - r.row(i)[1 - y];
    }
    return sum / labelled.size();
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
