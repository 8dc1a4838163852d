package org.icm4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.InvalidScoreException;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.Test;

class EvaluationTest {

  private static final LabelSpace BINARY = LabelSpace.binary();
  private static final double EPS = 1e-12;

  /** Predicts "True" (row {0, -5}) when the prompt contains "yes", else "False" (row {-5, 0}). */
  private static final LabelScorer KEYWORD_SCORER =
      (labels, requests) -> {
        List<double[]> rows = new ArrayList<>();
        for (ScoreRequest r : requests) {
          rows.add(
              r.query().prompt().contains("yes") ? new double[] {0, -5} : new double[] {-5, 0});
        }
        return ScoreResult.of(rows);
      };

  /** Predicts the label of the first context example, or "False" with an empty context. */
  private static final LabelScorer COPY_FIRST_CONTEXT_LABEL =
      (labels, requests) -> {
        List<double[]> rows = new ArrayList<>();
        for (ScoreRequest r : requests) {
          double[] row = new double[labels.size()];
          int predicted =
              r.context().isEmpty() ? labels.indexOf("False") : labels.indexOf(r.context().get(0).label());
          for (int i = 0; i < row.length; i++) {
            row[i] = i == predicted ? -0.1 : -3;
          }
          rows.add(row);
        }
        return ScoreResult.of(rows);
      };

  private static List<Example> examples(String... idPromptPairs) {
    List<Example> list = new ArrayList<>();
    for (int i = 0; i < idPromptPairs.length; i += 2) {
      list.add(Example.of(idPromptPairs[i], idPromptPairs[i + 1]));
    }
    return list;
  }

  // ---- agreement

  @Test
  void agreement_countsOnlyLabelledExamplesThatHaveGold() {
    // a, b, c labelled; d unlabelled. Gold for a, b, d, e. Overlap = {a, b}: a agrees, b does not.
    Labeling labels =
        new Labeling(BINARY, Map.of("a", "True", "b", "False", "c", "True"), Set.of("d"));
    GoldLabels gold =
        GoldLabels.of(BINARY, Map.of("a", "True", "b", "True", "d", "False", "e", "True"));

    assertThat(Evaluation.agreement(labels, gold)).isCloseTo(0.5, within(EPS));
  }

  @Test
  void agreement_isOneWhenAllOverlappingLabelsMatch() {
    Labeling labels = new Labeling(BINARY, Map.of("a", "True", "b", "False", "c", "False"), Set.of());
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("a", "True", "b", "False", "c", "True"));

    assertThat(Evaluation.agreement(labels, gold)).isCloseTo(2.0 / 3.0, within(EPS));
  }

  @Test
  void agreement_rejectsLabellingWithNoGoldOverlap() {
    Labeling labels = new Labeling(BINARY, Map.of("a", "True"), Set.of("b"));
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("b", "True", "c", "False"));

    assertThatThrownBy(() -> Evaluation.agreement(labels, gold))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("none of the 1 labelled examples has a gold label");
  }

  // ---- zero-shot and many-shot

  @Test
  void zeroShotAccuracy_isFractionOfArgmaxPredictionsEqualToGold() {
    List<Example> test =
        examples("t1", "yes it is", "t2", "no", "t3", "yes", "t4", "nope", "t5", "yes!");
    // Predictions: T, F, T, F, T. Gold: T, T, T, F, F -> correct t1, t3, t4 = 3/5.
    GoldLabels gold =
        GoldLabels.of(
            BINARY, Map.of("t1", "True", "t2", "True", "t3", "True", "t4", "False", "t5", "False"));

    assertThat(Evaluation.zeroShotAccuracy(KEYWORD_SCORER, BINARY, test, gold))
        .isCloseTo(0.6, within(EPS));
  }

  @Test
  void zeroShotAccuracy_sendsEmptyContext() {
    List<ScoreRequest> seen = new ArrayList<>();
    LabelScorer recording =
        (labels, requests) -> {
          seen.addAll(requests);
          return KEYWORD_SCORER.score(labels, requests);
        };
    List<Example> test = examples("t1", "yes", "t2", "no");
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True", "t2", "False"));

    assertThat(Evaluation.zeroShotAccuracy(recording, BINARY, test, gold)).isEqualTo(1.0);
    assertThat(seen).extracting(ScoreRequest::context).allSatisfy(c -> assertThat(c).isEmpty());
    assertThat(seen).extracting(r -> r.query().id()).containsExactly("t1", "t2");
  }

  @Test
  void manyShotAccuracy_givesEveryTestExampleTheSameContextInOrder() {
    List<LabelledExample> context =
        List.of(
            new LabelledExample(Example.of("c1", "x"), "True"),
            new LabelledExample(Example.of("c2", "y"), "False"));
    List<ScoreRequest> seen = new ArrayList<>();
    LabelScorer recording =
        (labels, requests) -> {
          seen.addAll(requests);
          return COPY_FIRST_CONTEXT_LABEL.score(labels, requests);
        };
    List<Example> test = examples("t1", "p", "t2", "q", "t3", "r");
    // Every prediction is "True" (first context label). Gold: True, False, True -> 2/3.
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True", "t2", "False", "t3", "True"));

    double accuracy = Evaluation.manyShotAccuracy(recording, BINARY, context, test, gold);

    assertThat(accuracy).isCloseTo(2.0 / 3.0, within(EPS));
    assertThat(seen).hasSize(3).allSatisfy(r -> assertThat(r.context()).isEqualTo(context));
  }

  @Test
  void manyShotAccuracy_usesArgmaxOverThreeLabels() {
    LabelSpace abc = LabelSpace.of("A", "B", "C");
    Map<String, double[]> rows =
        Map.of(
            "t1", new double[] {-3, -1, -2}, // B
            "t2", new double[] {-0.5, -4, -0.2}, // C
            "t3", new double[] {-1, -9, -9}); // A
    LabelScorer scorer =
        (labels, requests) ->
            ScoreResult.of(requests.stream().map(r -> rows.get(r.query().id())).toList());
    // Gold: B, A, A -> t1 and t3 correct = 2/3.
    GoldLabels gold = GoldLabels.of(abc, Map.of("t1", "B", "t2", "A", "t3", "A"));

    double accuracy =
        Evaluation.zeroShotAccuracy(scorer, abc, examples("t1", "p", "t2", "p", "t3", "p"), gold);

    assertThat(accuracy).isCloseTo(2.0 / 3.0, within(EPS));
  }

  @Test
  void manyShotAccuracy_breaksTiesTowardsTheFirstLabel() {
    LabelScorer tie =
        (labels, requests) ->
            ScoreResult.of(requests.stream().map(r -> new double[] {-1, -1}).toList());
    GoldLabels goldTrue = GoldLabels.of(BINARY, Map.of("t1", "True"));
    GoldLabels goldFalse = GoldLabels.of(BINARY, Map.of("t1", "False"));

    assertThat(Evaluation.zeroShotAccuracy(tie, BINARY, examples("t1", "p"), goldTrue))
        .isEqualTo(1.0);
    assertThat(Evaluation.zeroShotAccuracy(tie, BINARY, examples("t1", "p"), goldFalse))
        .isEqualTo(0.0);
  }

  @Test
  void manyShotAccuracy_sendsAtMost64RequestsPerScorerCall() {
    List<Integer> batchSizes = new ArrayList<>();
    LabelScorer recording =
        (labels, requests) -> {
          batchSizes.add(requests.size());
          return KEYWORD_SCORER.score(labels, requests);
        };
    List<Example> test = new ArrayList<>();
    Map<String, String> goldMap = new HashMap<>();
    int correct = 0;
    for (int i = 0; i < 130; i++) {
      String id = String.format("t%03d", i);
      boolean yes = i % 3 == 0;
      test.add(Example.of(id, yes ? "yes" : "no"));
      // Gold is "True" for even i: prediction (True iff i % 3 == 0) is right iff both or neither.
      boolean goldTrue = i % 2 == 0;
      goldMap.put(id, goldTrue ? "True" : "False");
      if (yes == goldTrue) {
        correct++;
      }
    }
    // i%6==0 (22 of 0..129) right as True; i odd and not divisible by 3: 65 odd minus 22 odd
    // multiples of 3 = 43 right as False; 22 + 43 = 65.
    assertThat(correct).isEqualTo(65);

    double accuracy =
        Evaluation.zeroShotAccuracy(recording, BINARY, test, GoldLabels.of(BINARY, goldMap));

    assertThat(batchSizes).containsExactly(64, 64, 2);
    assertThat(accuracy).isCloseTo(65.0 / 130.0, within(EPS));
  }

  @Test
  void manyShotAccuracy_rejectsTestExampleWithoutGoldNamingIt() {
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True"));

    assertThatThrownBy(
            () ->
                Evaluation.zeroShotAccuracy(
                    KEYWORD_SCORER, BINARY, examples("t1", "yes", "t2", "no"), gold))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("test example 't2' has no gold label");
  }

  @Test
  void manyShotAccuracy_rejectsEmptyTest() {
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True"));

    assertThatThrownBy(() -> Evaluation.zeroShotAccuracy(KEYWORD_SCORER, BINARY, List.of(), gold))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be empty");
  }

  @Test
  void manyShotAccuracy_rejectsTestExampleThatIsAlsoInTheContext() {
    Example shared = Example.of("t1", "yes");
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True"));

    assertThatThrownBy(
            () ->
                Evaluation.manyShotAccuracy(
                    KEYWORD_SCORER,
                    BINARY,
                    List.of(new LabelledExample(shared, "True")),
                    List.of(shared),
                    gold))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'t1' is also in the context");
  }

  @Test
  void manyShotAccuracy_rejectsGoldOfAnotherLabelSpace() {
    GoldLabels gold = GoldLabels.of(LabelSpace.of("Yes", "No"), Map.of("t1", "Yes"));

    assertThatThrownBy(
            () -> Evaluation.zeroShotAccuracy(KEYWORD_SCORER, BINARY, examples("t1", "yes"), gold))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[True, False]")
        .hasMessageContaining("[Yes, No]");
  }

  @Test
  void manyShotAccuracy_rejectsRowOfWrongLengthNamingTheExample() {
    LabelScorer shortRows =
        (labels, requests) ->
            ScoreResult.of(
                requests.stream()
                    .map(r -> r.query().id().equals("t2") ? new double[] {0} : new double[] {0, -1})
                    .toList());
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True", "t2", "True"));

    assertThatThrownBy(
            () -> Evaluation.zeroShotAccuracy(shortRows, BINARY, examples("t1", "a", "t2", "b"), gold))
        .isInstanceOfSatisfying(
            InvalidScoreException.class, e -> assertThat(e.exampleId()).isEqualTo("t2"))
        .hasMessageContaining("1 log-probabilities for example 't2'")
        .hasMessageContaining("[True, False] has 2");
  }

  @Test
  void manyShotAccuracy_rejectsNonFiniteRowNamingTheExample() {
    LabelScorer nan =
        (labels, requests) ->
            ScoreResult.of(requests.stream().map(r -> new double[] {Double.NaN, 0}).toList());
    LabelScorer infinite =
        (labels, requests) ->
            ScoreResult.of(
                requests.stream().map(r -> new double[] {0, Double.NEGATIVE_INFINITY}).toList());
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True"));

    assertThatThrownBy(() -> Evaluation.zeroShotAccuracy(nan, BINARY, examples("t1", "a"), gold))
        .isInstanceOfSatisfying(
            InvalidScoreException.class, e -> assertThat(e.exampleId()).isEqualTo("t1"))
        .hasMessageContaining("non-finite")
        .hasMessageContaining("'t1'")
        .hasMessageContaining("NaN");
    assertThatThrownBy(
            () -> Evaluation.zeroShotAccuracy(infinite, BINARY, examples("t1", "a"), gold))
        .isInstanceOf(InvalidScoreException.class)
        .hasMessageContaining("-Infinity");
  }

  @Test
  void manyShotAccuracy_rejectsWrongNumberOfRows() {
    LabelScorer oneRow = (labels, requests) -> ScoreResult.of(List.of(new double[] {0, -1}));
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True", "t2", "True"));

    assertThatThrownBy(
            () -> Evaluation.zeroShotAccuracy(oneRow, BINARY, examples("t1", "a", "t2", "b"), gold))
        .isInstanceOf(InvalidScoreException.class)
        .hasMessageContaining("returned 1 rows for 2 requests");
  }

  // ---- random-label baseline

  @Test
  void randomLabelManyShotAccuracy_contextLabelsAreSplittableRandomDrawsInTrainOrder() {
    List<List<LabelledExample>> contexts = new ArrayList<>();
    LabelScorer recording =
        (labels, requests) -> {
          requests.forEach(r -> contexts.add(r.context()));
          return KEYWORD_SCORER.score(labels, requests);
        };
    List<Example> train = examples("z", "1", "a", "2", "m", "3", "b", "4", "y", "5", "c", "6");
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True"));

    Evaluation.randomLabelManyShotAccuracy(
        recording, BINARY, train, examples("t1", "yes"), gold, 42L);

    SplittableRandom expectedDraws = new SplittableRandom(42L);
    List<LabelledExample> expected = new ArrayList<>();
    for (Example e : train) {
      expected.add(new LabelledExample(e, BINARY.name(expectedDraws.nextInt(2))));
    }
    assertThat(contexts).hasSize(1);
    assertThat(contexts.get(0)).isEqualTo(expected);
  }

  @Test
  void randomLabelManyShotAccuracy_sameSeedGivesSameContextAndAccuracy() {
    List<List<LabelledExample>> contexts = new ArrayList<>();
    LabelScorer recording =
        (labels, requests) -> {
          requests.forEach(r -> contexts.add(r.context()));
          return COPY_FIRST_CONTEXT_LABEL.score(labels, requests);
        };
    List<Example> train = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      train.add(Example.of("train" + i, "p" + i));
    }
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True", "t2", "False"));
    List<Example> test = examples("t1", "a", "t2", "b");

    double first = Evaluation.randomLabelManyShotAccuracy(recording, BINARY, train, test, gold, 7L);
    double second =
        Evaluation.randomLabelManyShotAccuracy(recording, BINARY, train, test, gold, 7L);

    assertThat(second).isEqualTo(first);
    assertThat(contexts).hasSize(4);
    assertThat(contexts.get(2)).isEqualTo(contexts.get(0));
  }

  @Test
  void randomLabelManyShotAccuracy_seedsWhoseFirstDrawDiffersGiveDifferentAccuracy() {
    // The scorer copies the first context label; every test example's gold label is "True", so
    // accuracy is 1 when train[0] is drawn "True" and 0 when drawn "False".
    long seedTrue = -1;
    long seedFalse = -1;
    for (long s = 0; s < 1000 && (seedTrue < 0 || seedFalse < 0); s++) {
      if (new SplittableRandom(s).nextInt(2) == 0) {
        seedTrue = seedTrue < 0 ? s : seedTrue;
      } else {
        seedFalse = seedFalse < 0 ? s : seedFalse;
      }
    }
    assertThat(seedTrue).isNotNegative();
    assertThat(seedFalse).isNotNegative();
    List<Example> train = examples("c1", "x", "c2", "y");
    List<Example> test = examples("t1", "a", "t2", "b", "t3", "c");
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("t1", "True", "t2", "True", "t3", "True"));

    assertThat(
            Evaluation.randomLabelManyShotAccuracy(
                COPY_FIRST_CONTEXT_LABEL, BINARY, train, test, gold, seedTrue))
        .isEqualTo(1.0);
    assertThat(
            Evaluation.randomLabelManyShotAccuracy(
                COPY_FIRST_CONTEXT_LABEL, BINARY, train, test, gold, seedFalse))
        .isEqualTo(0.0);
  }

  // ---- context

  @Test
  void context_keepsLabelledExamplesInTheGivenOrder() {
    Example c = Example.of("c", "pc");
    Example a = Example.of("a", "pa");
    Example b = Example.of("b", "pb");
    Example unknown = Example.of("x", "px");
    Labeling labels = new Labeling(BINARY, Map.of("a", "False", "c", "True"), Set.of("b"));

    List<LabelledExample> context = Evaluation.context(List.of(c, b, unknown, a), labels);

    assertThat(context)
        .containsExactly(new LabelledExample(c, "True"), new LabelledExample(a, "False"));
  }
}
