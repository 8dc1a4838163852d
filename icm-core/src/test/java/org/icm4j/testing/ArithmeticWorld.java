package org.icm4j.testing;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.LabelledExample;
import org.icm4j.eval.GoldLabels;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.jspecify.annotations.Nullable;

/**
 * The world a new user built from the README (issue 10): arithmetic questions with several
 * candidate answers, a deterministic toy in-context learner, a pairwise rule and a group rule
 * written as lambdas.
 *
 * <p>The learner believes one candidate per question is the answer: the right one, except on some
 * questions where it believes a wrong one (so its belief differs from gold there). Its prediction
 * for a claim adds a weak prior toward its belief ({@code prior} log-odds) to what it reads from
 * its context: how often the context's labels follow its belief, {@code log((agree + 1) /
 * (disagree + 1))}. A context labelled by its belief is then read as "labels follow belief", and
 * the mirror (every label swapped) as "labels follow the opposite": both predict themselves well,
 * the belief labeling a little better (by the prior), and the mirror breaks "different answers
 * cannot both be True" three times per question. That mirror is where the paper's annealing ended
 * on 2 of 5 seeds. Immutable and thread-safe.
 */
public final class ArithmeticWorld {
  private final List<Example> examples;
  private final Map<String, Boolean> believed;
  private final GoldLabels gold;
  private final double prior;

  private ArithmeticWorld(List<Example> examples, Map<String, Boolean> believed, GoldLabels gold, double prior) {
    this.examples = List.copyOf(examples);
    this.believed = Map.copyOf(believed);
    this.gold = gold;
    this.prior = prior;
  }

  /**
   * A world of {@code questions} questions with {@code candidates} answers each.
   *
   * @param wrongBeliefs how many questions the learner gets wrong (it believes a wrong candidate)
   * @param prior log-odds the learner adds toward its belief without any context
   * @param seed generator seed (questions, candidates, which beliefs are wrong)
   */
  public static ArithmeticWorld generate(int questions, int candidates, int wrongBeliefs, double prior, long seed) {
    checkArgument(questions >= 1 && candidates >= 2 && wrongBeliefs >= 0 && wrongBeliefs <= questions);
    SplittableRandom rng = new SplittableRandom(seed);
    List<Example> examples = new ArrayList<>();
    Map<String, Boolean> believed = new HashMap<>();
    Map<String, String> gold = new HashMap<>();
    for (int q = 0; q < questions; q++) {
      int a = 10 + rng.nextInt(90);
      int b = 10 + rng.nextInt(90);
      int right = rng.nextInt(candidates);
      boolean wrong = q < wrongBeliefs;
      int belief = wrong ? (right + 1 + rng.nextInt(candidates - 1)) % candidates : right;
      String group = String.format("q%02d", q);
      for (int c = 0; c < candidates; c++) {
        int answer = a + b + (c - right) * 7;
        String id = group + "/c" + c;
        examples.add(
            new Example(
                id,
                "Question: " + a + " + " + b + " = ?\nClaim: the answer is " + answer + "\nI think this claim is",
                group,
                Map.of("answer", Integer.toString(answer))));
        believed.put(id, c == belief);
        gold.put(id, c == right ? "True" : "False");
      }
    }
    return new ArithmeticWorld(examples, believed, GoldLabels.of(LabelSpace.binary(), gold), prior);
  }

  /** The newcomer's world: 10 questions x 4 candidates, the learner wrong on 2, prior 0.3. */
  public static ArithmeticWorld newcomer(long seed) {
    return generate(10, 4, 2, 0.3, seed);
  }

  /** The unlabelled claims. */
  public List<Example> examples() {
    return examples;
  }

  /** The right answers, for evaluation only. */
  public GoldLabels gold() {
    return gold;
  }

  /** What the learner believes: True for its believed answer of each question. */
  public Labeling belief() {
    Map<String, String> m = new HashMap<>();
    believed.forEach((id, b) -> m.put(id, b ? "True" : "False"));
    return new Labeling(LabelSpace.binary(), m, Set.of());
  }

  /** The newcomer's pairwise rule: two different answers to one question cannot both be True. */
  public static ConsistencyRule differentAnswersNotBothTrue() {
    return ConsistencyRule.pairwise(
        "different-answers-not-both-true",
        (a, la, b, lb) ->
            a.attributes().get("answer").equals(b.attributes().get("answer"))
                || !(la.equals("True") && lb.equals("True")));
  }

  /** The newcomer's group rule: once every candidate of a question is labelled, one is True. */
  public static ConsistencyRule someAnswerTrue() {
    return ConsistencyRule.group(
        "some-answer-true",
        (members, labels) -> labels.contains(null) || labels.contains("True"));
  }

  /** The toy in-context learner. */
  public LabelScorer scorer() {
    return new LabelScorer() {
      @Override
      public ScoreResult score(LabelSpace space, List<ScoreRequest> requests) {
        List<double[]> rows = new ArrayList<>();
        long tokens = 0;
        for (ScoreRequest r : requests) {
          int agree = 0;
          int disagree = 0;
          for (LabelledExample le : r.context()) {
            boolean b = believedOf(le.example());
            if (le.label().equals("True") == b) {
              agree++;
            } else {
              disagree++;
            }
          }
          double follow = Math.log((agree + 1.0) / (disagree + 1.0));
          double logit = (believedOf(r.query()) ? 1 : -1) * (prior + follow);
          double[] row = new double[space.size()];
          for (int i = 0; i < row.length; i++) {
            String name = space.name(i);
            // log-sigmoid of +-logit
            double z = name.equals("True") ? logit : name.equals("False") ? -logit : -30;
            row[i] = -Math.log1p(Math.exp(-z));
          }
          rows.add(row);
          tokens += r.context().size() + 1;
        }
        return new ScoreResult(rows, tokens);
      }

      private boolean believedOf(Example e) {
        @Nullable Boolean b = believed.get(e.id());
        if (b == null) {
          throw new IllegalArgumentException("example '" + e.id() + "' is not of this world");
        }
        return b;
      }

      @Override
      public String toString() {
        return "ArithmeticWorld.scorer";
      }
    };
  }
}
