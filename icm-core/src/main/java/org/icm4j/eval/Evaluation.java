package org.icm4j.eval;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

/**
 * Measures labellings and in-context prompting against {@link GoldLabels}, as in the ICM paper:
 * agreement of ICM's labels with gold, zero-shot accuracy, many-shot accuracy with a labelled
 * context (e.g. ICM's labels of the training set), and the random-label many-shot baseline.
 *
 * <p>Accuracy methods ask the scorer for the log-probabilities of every label of each test example
 * (one {@link ScoreRequest} per test example, all with the same context, sent in batches of at
 * most {@value #BATCH_SIZE}) and predict the label with the highest value (the first such label
 * on ties). Every returned row is checked: one row per request, {@code space.size()} finite values.
 *
 * <p>Stateless; thread-safe when the scorer passed in is.
 */
public final class Evaluation {

  /** The most requests sent in one {@link LabelScorer#score} call. */
  public static final int BATCH_SIZE = 64;

  private Evaluation() {}

  /**
   * The fraction of labelled examples whose label equals their gold label, over the examples that
   * are labelled in {@code labels} and have a gold label. Labels are compared by name.
   *
   * @param labels the labelling to measure (e.g. an ICM result)
   * @param gold the gold labels
   * @return agreement in {@code [0, 1]}
   * @throws IllegalArgumentException if no labelled example has a gold label
   */
  public static double agreement(Labeling labels, GoldLabels gold) {
    requireNonNull(labels, "labels");
    requireNonNull(gold, "gold");
    int overlap = 0;
    int agree = 0;
    for (Map.Entry<String, String> e : labels.asMap().entrySet()) {
      Optional<String> g = gold.label(e.getKey());
      if (g.isPresent()) {
        overlap++;
        if (g.get().equals(e.getValue())) {
          agree++;
        }
      }
    }
    checkArgument(
        overlap > 0,
        "none of the %s labelled examples has a gold label (the gold labels cover %s ids): "
            + "pass gold labels for the same examples as the labelling",
        labels.labelledCount(),
        gold.size());
    return (double) agree / overlap;
  }

  /**
   * {@link #agreement(Labeling, GoldLabels)} over the examples that were not given as trusted labels
   * ({@link org.icm4j.Icm.Builder#trustedLabels}): a run keeps its trusted labels, so counting them
   * would credit the search with what the user told it.
   *
   * @param labels the labelling to measure (e.g. an ICM result)
   * @param gold the gold labels
   * @param trusted the trusted labels the run was given (their examples are left out)
   * @return agreement in {@code [0, 1]}
   * @throws IllegalArgumentException if no labelled example outside {@code trusted} has a gold label
   */
  public static double agreement(Labeling labels, GoldLabels gold, Labeling trusted) {
    requireNonNull(labels, "labels");
    requireNonNull(gold, "gold");
    requireNonNull(trusted, "trusted");
    java.util.Map<String, String> left = new java.util.HashMap<>(labels.asMap());
    left.keySet().removeAll(trusted.asMap().keySet());
    checkArgument(
        !left.isEmpty(),
        "every one of the %s labelled examples has a trusted label: nothing is left to measure",
        labels.labelledCount());
    return agreement(Labeling.of(labels.labelSpace(), left), gold);
  }

  /**
   * Many-shot accuracy: the fraction of test examples whose predicted label, after {@code
   * context}, equals the gold label.
   *
   * @param scorer the scorer (the model)
   * @param space the label space; must equal {@code gold.labelSpace()}
   * @param context the labelled demonstrations placed before every test example, in order; their
   *     labels must be in {@code space}; no test example may be among them
   * @param test the examples to predict, non-empty, distinct ids, each with a gold label
   * @param gold the gold labels
   * @return accuracy in {@code [0, 1]}
   * @throws IllegalArgumentException if {@code test} is empty, has duplicate ids, shares an id with
   *     the context, a test example has no gold label, a context label is not in the space, or the
   *     label spaces differ
   * @throws InvalidScoreException naming the example when the scorer returns the wrong number of
   *     rows or values, or a non-finite value
   */
  public static double manyShotAccuracy(
      LabelScorer scorer,
      LabelSpace space,
      List<LabelledExample> context,
      List<Example> test,
      GoldLabels gold) {
    requireNonNull(scorer, "scorer");
    requireNonNull(space, "space");
    requireNonNull(context, "context");
    requireNonNull(test, "test");
    requireNonNull(gold, "gold");
    List<LabelledExample> ctx = List.copyOf(context);
    List<Example> tests = List.copyOf(test);
    checkArgument(!tests.isEmpty(), "test examples must not be empty");
    checkArgument(
        space.equals(gold.labelSpace()),
        "the label space %s differs from the gold labels' label space %s",
        space.names(),
        gold.labelSpace().names());
    Set<String> contextIds = new HashSet<>();
    for (LabelledExample le : ctx) {
      checkArgument(
          space.contains(le.label()),
          "context example '%s' has label '%s', which is not in the label space %s",
          le.example().id(),
          le.label(),
          space.names());
      contextIds.add(le.example().id());
    }
    Set<String> testIds = new HashSet<>();
    String[] expected = new String[tests.size()];
    for (int i = 0; i < tests.size(); i++) {
      String id = tests.get(i).id();
      checkArgument(testIds.add(id), "test example id '%s' occurs more than once", id);
      checkArgument(
          !contextIds.contains(id),
          "test example '%s' is also in the context: many-shot accuracy needs disjoint context and"
              + " test examples",
          id);
      Optional<String> g = gold.label(id);
      checkArgument(
          g.isPresent(),
          "test example '%s' has no gold label: every test example needs one (%s gold labels given)",
          id,
          gold.size());
      expected[i] = g.get();
    }

    int correct = 0;
    for (int from = 0; from < tests.size(); from += BATCH_SIZE) {
      List<Example> chunk = tests.subList(from, Math.min(tests.size(), from + BATCH_SIZE));
      List<ScoreRequest> requests = new ArrayList<>(chunk.size());
      for (Example e : chunk) {
        requests.add(new ScoreRequest(e, ctx));
      }
      ScoreResult result = scorer.score(space, requests);
      if (result == null || result.size() != chunk.size()) {
        String first = chunk.get(0).id();
        throw new InvalidScoreException(
            "the scorer returned "
                + (result == null ? "null" : result.size() + " rows")
                + " for "
                + chunk.size()
                + " requests (first query '"
                + first
                + "'): it must return one row per request",
            first);
      }
      for (int i = 0; i < chunk.size(); i++) {
        double[] row = result.logProbs().get(i);
        String id = chunk.get(i).id();
        checkRow(row, space, id);
        if (space.name(argmax(row)).equals(expected[from + i])) {
          correct++;
        }
      }
    }
    return (double) correct / tests.size();
  }

  /**
   * Zero-shot accuracy: {@link #manyShotAccuracy} with an empty context.
   *
   * @param scorer the scorer (the model)
   * @param space the label space; must equal {@code gold.labelSpace()}
   * @param test the examples to predict, non-empty, distinct ids, each with a gold label
   * @param gold the gold labels
   * @return accuracy in {@code [0, 1]}
   * @throws IllegalArgumentException as {@link #manyShotAccuracy}
   * @throws InvalidScoreException as {@link #manyShotAccuracy}
   */
  public static double zeroShotAccuracy(
      LabelScorer scorer, LabelSpace space, List<Example> test, GoldLabels gold) {
    return manyShotAccuracy(scorer, space, List.of(), test, gold);
  }

  /**
   * The random-label baseline: many-shot accuracy with a context of the training examples, in the
   * given order, each with a label drawn uniformly at random. The labels are drawn from one {@code
   * new SplittableRandom(seed)}, one {@code nextInt(space.size())} per training example in order,
   * so the same seed and data give the same context and accuracy.
   *
   * @param scorer the scorer (the model)
   * @param space the label space; must equal {@code gold.labelSpace()}
   * @param train the context examples (their labels, if any, are ignored); may be empty
   * @param test the examples to predict, non-empty, distinct ids, each with a gold label, none in
   *     {@code train}
   * @param gold the gold labels
   * @param seed the seed of the random labels
   * @return accuracy in {@code [0, 1]}
   * @throws IllegalArgumentException as {@link #manyShotAccuracy}
   * @throws InvalidScoreException as {@link #manyShotAccuracy}
   */
  public static double randomLabelManyShotAccuracy(
      LabelScorer scorer,
      LabelSpace space,
      List<Example> train,
      List<Example> test,
      GoldLabels gold,
      long seed) {
    requireNonNull(space, "space");
    requireNonNull(train, "train");
    SplittableRandom random = new SplittableRandom(seed);
    List<LabelledExample> context = new ArrayList<>(train.size());
    for (Example e : train) {
      context.add(new LabelledExample(e, space.name(random.nextInt(space.size()))));
    }
    return manyShotAccuracy(scorer, space, context, test, gold);
  }

  /**
   * The labelled examples of a labelling, as a scorer context.
   *
   * @param examples the examples, in the order the context should have
   * @param labels their labels; examples it leaves unlabelled (or does not know) are skipped
   * @return the labelled examples with their labels, in the order of {@code examples}
   */
  public static List<LabelledExample> context(List<Example> examples, Labeling labels) {
    requireNonNull(examples, "examples");
    requireNonNull(labels, "labels");
    List<LabelledExample> context = new ArrayList<>();
    for (Example e : examples) {
      labels.label(e.id()).ifPresent(label -> context.add(new LabelledExample(e, label)));
    }
    return List.copyOf(context);
  }

  private static void checkRow(double[] row, LabelSpace space, String id) {
    if (row.length != space.size()) {
      throw new InvalidScoreException(
          "the scorer returned "
              + row.length
              + " log-probabilities for example '"
              + id
              + "', but the label space "
              + space.names()
              + " has "
              + space.size(),
          id);
    }
    for (double v : row) {
      if (!Double.isFinite(v)) {
        throw new InvalidScoreException(
            "the scorer returned a non-finite log-probability for example '"
                + id
                + "': "
                + Arrays.toString(row)
                + " (labels "
                + space.names()
                + "); a scorer must return finite values",
            id);
      }
    }
  }

  /** The index of the largest value, the first one on ties. */
  private static int argmax(double[] row) {
    int best = 0;
    for (int i = 1; i < row.length; i++) {
      if (row[i] > row[best]) {
        best = i;
      }
    }
    return best;
  }
}
