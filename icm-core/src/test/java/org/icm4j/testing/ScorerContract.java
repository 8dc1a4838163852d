package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.LeaveOneOutPlan;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link LabelScorer} must meet, as one abstract JUnit 5 test: one row per
 * request with one finite value per label; deterministic; a request's row independent of the other
 * requests of its batch; an empty context accepted; {@link LabelScorer#leaveOneOutRequests} giving
 * each example a context of exactly all the others; {@link LabelScorer#scoreLeaveOneOut} equal to
 * {@link LabelScorer#score} of those requests; any context order accepted; {@link
 * LabelScorer#checkBatch} accepting a batch whose leave-one-out the scorer scores; and, for a
 * scorer built on icm-core's text layer that names its {@link #leaveOneOutOrder()}, {@link
 * LabelScorer#leaveOneOutRequests} equal to that order's {@link LeaveOneOutPlan}.
 *
 * <p>An adapter module runs it on its scorer by depending on {@code icm-core}'s test-jar
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>org.icm4j</groupId>
 *   <artifactId>icm-core</artifactId>
 *   <version>${project.version}</version>
 *   <type>test-jar</type>
 *   <scope>test</scope>
 * </dependency>
 * }</pre>
 *
 * <p>and extending this class:
 *
 * <pre>{@code
 * class MyScorerContractTest extends ScorerContract {
 *   private static final MyScorer SCORER = MyScorer.load(...); // expensive: load once
 *
 *   @Override protected LabelScorer scorer() { return SCORER; }
 *   @Override protected List<Example> examples() { return List.of(...); } // at least 6
 *   @Override protected double tolerance() { return 1e-4; } // float32 models
 * }
 * }</pre>
 *
 * <p>{@link #scorer()} is called once per test method and may return the same instance every time
 * (load a model once, in a static field, and close it in an {@code @AfterAll} method). Not
 * thread-safe: JUnit creates one instance per test method.
 */
public abstract class ScorerContract {

  private LabelScorer scorer;
  private LabelSpace space;
  private List<Example> examples;

  /** The scorer under test; may be the same instance on every call. */
  protected abstract LabelScorer scorer();

  /** At least 6 distinct examples the scorer can score (e.g. short prompts for a model). */
  protected abstract List<Example> examples();

  /** The label space to score over; default {@link LabelSpace#binary()}. */
  protected LabelSpace labelSpace() {
    return LabelSpace.binary();
  }

  /**
   * Largest absolute difference tolerated between two numbers that should be equal; default
   * {@code 1e-9}. Adapters that run float32 models or batch with padding use about {@code 1e-4}.
   */
  protected double tolerance() {
    return 1e-9;
  }

  /**
   * The text layer's order ({@link LeaveOneOutOrder}) whose {@link LeaveOneOutPlan} the scorer's
   * leave-one-out runs, for a scorer that exposes one; default none (the order check is then
   * skipped, and reported as skipped).
   */
  protected Optional<LeaveOneOutOrder> leaveOneOutOrder() {
    return Optional.empty();
  }

  @BeforeEach
  protected final void loadFixture() {
    scorer = scorer();
    space = labelSpace();
    examples = List.copyOf(examples());
    assertThat(examples)
        .as("examples() must give at least 6 examples for the scorer contract")
        .hasSizeGreaterThanOrEqualTo(6);
    assertThat(examples.stream().map(Example::id).distinct().count())
        .as("examples() must have distinct ids")
        .isEqualTo(examples.size());
  }

  @Test
  public void score_returnsOneRowPerRequestEachWithOneFiniteValuePerLabel() {
    List<ScoreRequest> requests = variedRequests();

    ScoreResult result = scorer.score(space, requests);

    assertThat(result.size()).as("rows for %s requests", requests.size()).isEqualTo(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      assertFiniteRow(result.row(i), "request " + i + " (query '" + requests.get(i).query().id() + "')");
    }
  }

  @Test
  public void score_givesTheSameNumbersForTheSameRequests() {
    List<ScoreRequest> requests = variedRequests();

    ScoreResult first = scorer.score(space, requests);
    ScoreResult second = scorer.score(space, requests);

    assertSameRows(second, first, requests, "second call vs first call");
  }

  @Test
  public void score_rowOfARequestDoesNotDependOnTheOtherRequestsOfTheBatch() {
    List<ScoreRequest> requests = variedRequests();
    ScoreResult batch = scorer.score(space, requests);

    for (int i = 0; i < requests.size(); i++) {
      ScoreResult alone = scorer.score(space, List.of(requests.get(i)));
      assertThat(alone.size()).as("rows for a single request").isEqualTo(1);
      assertThat(alone.row(0))
          .as("request %s (query '%s') scored alone vs inside a batch of %s",
              i, requests.get(i).query().id(), requests.size())
          .containsExactly(batch.row(i), within(tolerance()));
    }

    List<ScoreRequest> reversed = new ArrayList<>(requests);
    java.util.Collections.reverse(reversed);
    ScoreResult reversedBatch = scorer.score(space, reversed);
    for (int i = 0; i < requests.size(); i++) {
      assertThat(reversedBatch.row(requests.size() - 1 - i))
          .as("request %s (query '%s') in a batch of reversed order", i, requests.get(i).query().id())
          .containsExactly(batch.row(i), within(tolerance()));
    }
  }

  @Test
  public void score_acceptsAnEmptyContext() {
    List<ScoreRequest> requests = new ArrayList<>();
    for (Example e : examples) {
      requests.add(new ScoreRequest(e, List.of()));
    }

    ScoreResult result = scorer.score(space, requests);

    assertThat(result.size()).isEqualTo(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      assertFiniteRow(result.row(i), "zero-shot request for '" + requests.get(i).query().id() + "'");
    }
  }

  @Test
  public void scoreLeaveOneOut_ofOneExampleEqualsScoreWithEmptyContext() {
    checkLeaveOneOut(labelled(examples.subList(0, 1)));
  }

  @Test
  public void scoreLeaveOneOut_ofTwoExamplesEqualsScoreOfTheExplicitRequests() {
    checkLeaveOneOut(labelled(examples.subList(0, 2)));
  }

  @Test
  public void scoreLeaveOneOut_ofAllExamplesWithMixedLabelsEqualsScoreOfTheExplicitRequests() {
    List<LabelledExample> all = labelled(examples);
    assertThat(all.stream().map(LabelledExample::label).distinct().count())
        .as("the labelling mixes every label")
        .isEqualTo(Math.min(space.size(), all.size()));

    checkLeaveOneOut(all);
  }

  @Test
  public void scoreLeaveOneOut_ofAllExamplesInAnotherOrderEqualsScoreOfTheExplicitRequests() {
    List<LabelledExample> all = new ArrayList<>(labelled(examples));
    java.util.Collections.reverse(all);

    checkLeaveOneOut(all);
  }

  @Test
  public void leaveOneOutRequests_areTheTextLayersPlanForTheScorersOrder() {
    Optional<LeaveOneOutOrder> order = leaveOneOutOrder();
    assumeTrue(order.isPresent(), "the scorer names no text-layer leave-one-out order");
    List<LabelledExample> all = labelled(examples);
    List<LabelledExample> reversed = new ArrayList<>(all);
    java.util.Collections.reverse(reversed);
    for (List<LabelledExample> list : List.of(all, reversed)) {
      for (int n = 1; n <= list.size(); n++) {
        List<LabelledExample> some = list.subList(0, n);
        assertThat(scorer.leaveOneOutRequests(some))
            .as("leaveOneOutRequests of %s examples vs the %s plan", n, order.get())
            .isEqualTo(LeaveOneOutPlan.of(order.get(), n).requests(some));
      }
    }
  }

  @Test
  public void score_acceptsTheContextInEitherOrder() {
    Example query = examples.get(0);
    List<LabelledExample> context = labelled(examples.subList(1, examples.size()));
    List<LabelledExample> reversed = new ArrayList<>(context);
    java.util.Collections.reverse(reversed);

    ScoreResult result =
        scorer.score(space, List.of(new ScoreRequest(query, context), new ScoreRequest(query, reversed)));

    assertThat(result.size()).isEqualTo(2);
    assertFiniteRow(result.row(0), "context in the given order");
    assertFiniteRow(result.row(1), "context in reversed order");
  }

  @Test
  public void checkBatch_acceptsTheExamplesWhoseLeaveOneOutItScores() {
    List<Example> sorted = new ArrayList<>(examples);
    sorted.sort(java.util.Comparator.comparing(Example::id));
    for (int k = 0; k < space.size(); k++) {
      List<LabelledExample> allAlike = new ArrayList<>();
      for (Example e : sorted) {
        allAlike.add(new LabelledExample(e, space.name(k)));
      }
      scorer.scoreLeaveOneOut(space, allAlike); // every example labelled, all with label k
    }

    scorer.checkBatch(space, sorted); // a batch whose every leave-one-out succeeded must pass
    scorer.checkBatch(space, sorted.subList(0, 1));
  }

  /**
   * The examples with mixed labels: example {@code i} gets label {@code (i + offset) % size}, where
   * {@code offset} is the position of the example in {@link #examples()}, so that any sublist mixes
   * labels the same way.
   */
  private List<LabelledExample> labelled(List<Example> some) {
    List<LabelledExample> out = new ArrayList<>(some.size());
    for (Example e : some) {
      out.add(new LabelledExample(e, space.name(examples.indexOf(e) % space.size())));
    }
    return out;
  }

  /**
   * Requests with contexts of different lengths and labels: request {@code i} asks about example
   * {@code i} after the first {@code i} other examples (so the first has an empty context), and a
   * last request repeats the first query with every other example as context.
   */
  private List<ScoreRequest> variedRequests() {
    List<ScoreRequest> requests = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      requests.add(new ScoreRequest(examples.get(i), labelled(examples.subList(0, i))));
    }
    requests.add(new ScoreRequest(examples.get(0), labelled(examples.subList(1, examples.size()))));
    return requests;
  }

  private void checkLeaveOneOut(List<LabelledExample> labelled) {
    List<ScoreRequest> explicit = scorer.leaveOneOutRequests(labelled);
    assertThat(explicit).as("leaveOneOutRequests for %s labelled examples", labelled.size())
        .hasSize(labelled.size());
    for (int i = 0; i < labelled.size(); i++) {
      List<LabelledExample> others = new ArrayList<>(labelled);
      others.remove(i);
      ScoreRequest r = explicit.get(i);
      assertThat(r.query()).as("query of leave-one-out request %s", i)
          .isEqualTo(labelled.get(i).example());
      assertThat(r.context()).as("context of leave-one-out request %s: all the others", i)
          .containsExactlyInAnyOrderElementsOf(others);
    }

    ScoreResult loo = scorer.scoreLeaveOneOut(space, labelled);
    ScoreResult expected = scorer.score(space, explicit);

    assertThat(loo.size()).as("leave-one-out rows for %s labelled examples", labelled.size())
        .isEqualTo(labelled.size());
    for (int i = 0; i < labelled.size(); i++) {
      assertFiniteRow(loo.row(i), "leave-one-out row " + i);
    }
    assertSameRows(loo, expected, explicit, "scoreLeaveOneOut vs score of the explicit requests");
  }

  private void assertSameRows(
      ScoreResult actual, ScoreResult expected, List<ScoreRequest> requests, String what) {
    assertThat(actual.size()).as(what + ": number of rows").isEqualTo(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.row(i))
          .as("%s: row %s (query '%s', context of %s)",
              what, i, requests.get(i).query().id(), requests.get(i).context().size())
          .containsExactly(expected.row(i), within(tolerance()));
    }
  }

  private void assertFiniteRow(double[] row, String what) {
    assertThat(row).as(what + ": one value per label of " + space.names()).hasSize(space.size());
    for (int j = 0; j < row.length; j++) {
      assertThat(row[j]).as("%s: value of label '%s'", what, space.name(j)).isFinite();
    }
  }
}
