package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link FineTuner} must meet, as one abstract JUnit 5 test (like {@link
 * ScorerContract} for scorers): the fine-tuned scorer answers with one finite row per request; the
 * same request gives the same model; the model learns its labels (it prefers them more than a model
 * fine-tuned on the opposite labels does, on at least {@link #learnedShare()} of the examples);
 * every call starts from the base model; examples the labeling leaves unlabelled change nothing;
 * closing a model twice is harmless.
 *
 * <p>An adapter module runs it by depending on {@code icm-core}'s test-jar (see {@link
 * ScorerContract}) and extending this class:
 *
 * <pre>{@code
 * class MyFineTunerContractTest extends FineTunerContract {
 *   @Override protected FineTuner fineTuner() { return MY_TUNER; }     // may be shared
 *   @Override protected List<Example> examples() { return ...; }      // at least 8
 *   @Override protected Labeling labels() { return ...; }             // a labeling it can learn
 *   @Override protected double tolerance() { return 1e-4; }           // float32 models
 * }
 * }</pre>
 *
 * <p>Each test fine-tunes two or three times: give it a small model and few training steps. Not
 * thread-safe: JUnit creates one instance per test method.
 */
public abstract class FineTunerContract {

  private FineTuner tuner;
  private List<Example> examples;
  private Labeling labels;
  private LabelSpace space;

  /** The fine-tuner under test; may be the same instance on every call. */
  protected abstract FineTuner fineTuner();

  /** At least 8 examples with distinct ids, every one labelled by {@link #labels()}. */
  protected abstract List<Example> examples();

  /**
   * A labeling of {@link #examples()} the fine-tuner can learn in the training it is configured
   * for (for example the labels of a rule the model can express); its opposite labeling (each label
   * replaced by the next one of the space) is trained on as well.
   */
  protected abstract Labeling labels();

  /** Examples not among {@link #examples()}, for the test that unlabelled examples change nothing. */
  protected List<Example> unlabelledExtras() {
    return List.of();
  }

  /** Largest difference tolerated between numbers that should be equal; default {@code 1e-9}. */
  protected double tolerance() {
    return 1e-9;
  }

  /**
   * Share of examples on which the model fine-tuned on {@link #labels()} must prefer their labels
   * more than the model fine-tuned on the opposite labels; default 0.8.
   */
  protected double learnedShare() {
    return 0.8;
  }

  /** The seed of the requests; default 1. */
  protected long seed() {
    return 1;
  }

  @BeforeEach
  protected final void loadFixture() {
    tuner = fineTuner();
    examples = List.copyOf(examples());
    labels = labels();
    space = labels.labelSpace();
    assertThat(examples).as("examples() must give at least 8 examples").hasSizeGreaterThanOrEqualTo(8);
    for (Example e : examples) {
      assertThat(labels.label(e.id())).as("labels() must label example '%s'", e.id()).isPresent();
    }
  }

  @Test
  public void fineTune_givesAScorerWithOneFiniteRowPerRequest() {
    try (FineTunedModel model = tuner.fineTune(FineTuneRequest.of(examples, labels, seed()))) {
      List<ScoreRequest> requests = requests();
      ScoreResult result = model.scorer().score(space, requests);
      assertThat(result.size()).as("rows for %s requests", requests.size()).isEqualTo(requests.size());
      for (int i = 0; i < result.size(); i++) {
        assertThat(result.row(i)).as("row %s", i).hasSize(space.size());
        for (double v : result.row(i)) {
          assertThat(Double.isFinite(v)).as("row %s holds %s", i, v).isTrue();
        }
      }
      assertThat(model.details()).as("details()").isNotNull();
    }
  }

  @Test
  public void fineTune_givesTheSameModelForTheSameRequest() {
    FineTuneRequest request = FineTuneRequest.of(examples, labels, seed());
    double[][] first = zeroShot(request);
    double[][] second = zeroShot(request);
    assertSame(second, first, "the second model of the same request vs the first");
  }

  @Test
  public void fineTune_learnsTheLabelsItIsGiven() {
    Labeling opposite = opposite(labels);
    double[][] onLabels = zeroShot(FineTuneRequest.of(examples, labels, seed()));
    double[][] onOpposite = zeroShot(FineTuneRequest.of(examples, opposite, seed()));
    int learnt = 0;
    for (int i = 0; i < examples.size(); i++) {
      String id = examples.get(i).id();
      int a = space.indexOf(labels.label(id).orElseThrow());
      int b = space.indexOf(opposite.label(id).orElseThrow());
      if (onLabels[i][a] - onLabels[i][b] > onOpposite[i][a] - onOpposite[i][b]) {
        learnt++;
      }
    }
    assertThat((double) learnt / examples.size())
        .as("share of examples whose label the model trained on it prefers more than the model"
            + " trained on the opposite labels (%s of %s)", learnt, examples.size())
        .isGreaterThanOrEqualTo(learnedShare());
  }

  @Test
  public void fineTune_startsFromTheBaseModelEveryTime() {
    FineTuneRequest request = FineTuneRequest.of(examples, labels, seed());
    double[][] first = zeroShot(request);
    zeroShot(FineTuneRequest.of(examples, opposite(labels), seed()));
    double[][] again = zeroShot(request);
    assertSame(again, first, "the same request after another fine-tuning vs the first");
  }

  @Test
  public void fineTune_ignoresExamplesTheLabelingLeavesUnlabelled() {
    List<Example> extras = unlabelledExtras();
    if (extras.isEmpty()) {
      return;
    }
    List<Example> more = new ArrayList<>(examples);
    more.addAll(extras);
    Set<String> unlabelled = new java.util.HashSet<>();
    extras.forEach(e -> unlabelled.add(e.id()));
    Labeling withExtras = new Labeling(space, labels.asMap(), unlabelled);
    double[][] plain = zeroShot(FineTuneRequest.of(examples, labels, seed()));
    double[][] extra = zeroShot(FineTuneRequest.of(more, withExtras, seed()));
    assertSame(extra, plain, "with unlabelled examples vs without");
  }

  @Test
  public void close_twiceDoesNothing() {
    FineTunedModel model = tuner.fineTune(FineTuneRequest.of(examples, labels, seed()));
    model.close();
    model.close();
  }

  /** Zero-shot rows of the examples, in order, under the model of a request (closed after). */
  private double[][] zeroShot(FineTuneRequest request) {
    try (FineTunedModel model = tuner.fineTune(request)) {
      List<ScoreRequest> requests = new ArrayList<>();
      for (Example e : examples) {
        requests.add(new ScoreRequest(e, List.of()));
      }
      ScoreResult r = model.scorer().score(space, requests);
      double[][] rows = new double[r.size()][];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = r.row(i);
      }
      return rows;
    }
  }

  private List<ScoreRequest> requests() {
    List<ScoreRequest> requests = new ArrayList<>();
    for (Example e : examples) {
      requests.add(new ScoreRequest(e, List.of()));
    }
    List<LabelledExample> context =
        List.of(
            new LabelledExample(examples.get(0), labels.label(examples.get(0).id()).orElseThrow()),
            new LabelledExample(examples.get(1), labels.label(examples.get(1).id()).orElseThrow()));
    requests.add(new ScoreRequest(examples.get(2), context));
    return requests;
  }

  private Labeling opposite(Labeling l) {
    Map<String, String> flipped = new HashMap<>();
    l.asMap().forEach((id, label) -> flipped.put(id, space.name((space.indexOf(label) + 1) % space.size())));
    return new Labeling(space, flipped, Set.copyOf(l.unlabelledIds()));
  }

  private void assertSame(double[][] actual, double[][] expected, String what) {
    assertThat(actual.length).as(what).isEqualTo(expected.length);
    for (int i = 0; i < actual.length; i++) {
      for (int j = 0; j < actual[i].length; j++) {
        assertThat(actual[i][j]).as("%s: example %s, label %s", what, i, j).isCloseTo(expected[i][j], within(tolerance()));
      }
    }
  }
}
