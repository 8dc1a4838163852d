package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.Test;

class RunValidationTest {

  /** Log-probabilities of a fair coin for every request. */
  private static final LabelScorer CONSTANT = rowsBy(r -> new double[] {Math.log(0.5), Math.log(0.5)});

  private static final List<Example> ABC =
      List.of(Example.of("a", "claim a"), Example.of("b", "claim b"), Example.of("c", "claim c"));

  /** A scorer that answers each request with {@code row(request)}. */
  private static LabelScorer rowsBy(Function<ScoreRequest, double[]> row) {
    return (space, requests) -> ScoreResult.of(requests.stream().map(row).toList());
  }

  /** A scorer that answers fair-coin rows except for query {@code id}, which gets {@code bad}. */
  private static LabelScorer badRowFor(String id, double[] bad) {
    return rowsBy(r -> r.query().id().equals(id) ? bad : new double[] {Math.log(0.5), Math.log(0.5)});
  }

  /** An annealing run in which every example of {@link #ABC} is labelled from the start. */
  private static Icm icm(LabelScorer scorer) {
    return Icm.builder().search(Searches.paper().withIterations(2)).labelEveryExample(false).scorer(scorer).seed(1).initialLabels(3).build();
  }

  // ---- the data set ----

  @Test
  void run_rejectsEmptyDataSet() {
    assertThatThrownBy(() -> icm(CONSTANT).run(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void run_rejectsDuplicateIdNamingIt() {
    List<Example> examples =
        List.of(Example.of("a", "claim a"), Example.of("dup", "one"), Example.of("dup", "two"));

    assertThatThrownBy(() -> icm(CONSTANT).run(examples))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate")
        .hasMessageContaining("'dup'");
  }

  @Test
  void energy_rejectsALabelingOfOtherExamplesOrLabels_namingThem() {
    Labeling stranger = new Labeling(LabelSpace.binary(), Map.of("a", "True", "zz", "False"), Set.of());
    assertThatThrownBy(() -> icm(CONSTANT).energy(ABC, stranger))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'zz'")
        .hasMessageContaining("not among the 3 examples");
    Labeling otherSpace = new Labeling(LabelSpace.of("A", "B", "C"), Map.of("a", "A"), Set.of());
    assertThatThrownBy(() -> icm(CONSTANT).energy(ABC, otherSpace))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[A, B, C]")
        .hasMessageContaining("[True, False]");
    assertThatThrownBy(() -> icm(CONSTANT).energy(List.of(), stranger))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void run_rejectsNullExamplesList() {
    assertThatThrownBy(() -> icm(CONSTANT).run(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("examples");
  }

  @Test
  void run_rejectsKLargerThanTheDataSetNamingKAndSize() {
    Icm icm = Icm.builder().search(Searches.paper()).labelEveryExample(false).scorer(CONSTANT).seed(1).initialLabels(5).build();

    assertThatThrownBy(() -> icm.run(ABC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("K=5")
        .hasMessageContaining("3 examples");
  }

  @Test
  void run_acceptsKEqualToTheDataSetSize() {
    IcmResult result = icm(CONSTANT).run(ABC);

    assertThat(result.labels().size()).isEqualTo(3);
    assertThat(result.isComplete()).isTrue();
  }

  @Test
  void run_rejectsGroupLargerThanBatchSizeNamingTheGroup() {
    List<Example> examples =
        List.of(
            Example.of("q1-a", "claim", "q1"),
            Example.of("q1-b", "claim", "q1"),
            Example.of("q1-c", "claim", "q1"),
            Example.of("q2-a", "claim", "q2"));
    Icm icm = Icm.builder().search(Searches.paper()).labelEveryExample(false).scorer(CONSTANT).seed(1).initialLabels(1).batchSize(2).build();

    assertThatThrownBy(() -> icm.run(examples))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group 'q1'")
        .hasMessageContaining("3 examples")
        .hasMessageContaining("batchSize 2");
  }

  // ---- a misbehaving scorer ----

  @Test
  void run_rejectsNaNScoreNamingTheExample() {
    InvalidScoreException e =
        catchThrowableOfType(
            InvalidScoreException.class,
            () -> icm(badRowFor("b", new double[] {Double.NaN, Math.log(0.5)})).run(ABC));

    assertThat(e).isNotNull();
    assertThat(e.exampleId()).isEqualTo("b");
    assertThat(e).hasMessageContaining("'b'").hasMessageContaining("NaN");
  }

  @Test
  void run_rejectsPositiveInfinityNamingTheExample() {
    InvalidScoreException e =
        catchThrowableOfType(
            InvalidScoreException.class,
            () -> icm(badRowFor("c", new double[] {Math.log(0.5), Double.POSITIVE_INFINITY})).run(ABC));

    assertThat(e).isNotNull();
    assertThat(e.exampleId()).isEqualTo("c");
    assertThat(e).hasMessageContaining("'c'").hasMessageContaining("Infinity");
  }

  @Test
  void run_rejectsRowOfTheWrongLengthNamingTheExampleAndTheLabelSpace() {
    InvalidScoreException e =
        catchThrowableOfType(
            InvalidScoreException.class,
            () -> icm(badRowFor("b", new double[] {-1, -1, -1})).run(ABC));

    assertThat(e).isNotNull();
    assertThat(e.exampleId()).isEqualTo("b");
    assertThat(e)
        .hasMessageContaining("'b'")
        .hasMessageContaining("3 log-probabilities")
        .hasMessageContaining("[True, False]");
  }

  @Test
  void run_rejectsTooFewRowsNamingTheFirstQuery() {
    LabelScorer dropsOne =
        (space, requests) -> {
          List<double[]> rows = new ArrayList<>();
          for (int i = 0; i < requests.size() - 1; i++) {
            rows.add(new double[] {-1, -1});
          }
          return ScoreResult.of(rows);
        };

    InvalidScoreException e =
        catchThrowableOfType(InvalidScoreException.class, () -> icm(dropsOne).run(ABC));

    assertThat(e).isNotNull();
    assertThat(e.exampleId()).isEqualTo("a");
    assertThat(e).hasMessageContaining("2 rows for 3 requests").hasMessageContaining("'a'");
  }

  @Test
  void run_rejectsTooManyRowsNamingTheFirstQuery() {
    LabelScorer addsOne =
        (space, requests) -> {
          List<double[]> rows = new ArrayList<>();
          for (int i = 0; i <= requests.size(); i++) {
            rows.add(new double[] {-1, -1});
          }
          return ScoreResult.of(rows);
        };

    InvalidScoreException e =
        catchThrowableOfType(InvalidScoreException.class, () -> icm(addsOne).run(ABC));

    assertThat(e).isNotNull();
    assertThat(e.exampleId()).isEqualTo("a");
    assertThat(e).hasMessageContaining("4 rows for 3 requests");
  }

  /**
   * A scorer that breaks its (null-marked) contract by returning {@code null} should get the same
   * clear, example-naming error as one returning NaN, not a bare NullPointerException from inside
   * the engine.
   */
  @Test
  void run_rejectsNullResultFromTheScorerNamingTheFirstQuery() {
    LabelScorer returnsNull = (space, requests) -> null;

    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> icm(returnsNull).run(ABC));

    assertThat(e).isInstanceOf(IcmException.class).hasMessageContaining("'a'");
    assertThat(((IcmException) e).exampleId()).isEqualTo("a");
  }

  @Test
  void run_wrapsAScorerExceptionInIcmExceptionWithTheCause() {
    IllegalStateException boom = new IllegalStateException("model exploded");
    LabelScorer throwing =
        (space, requests) -> {
          throw boom;
        };

    IcmException e = catchThrowableOfType(IcmException.class, () -> icm(throwing).run(ABC));

    assertThat(e).isNotNull().isNotInstanceOf(InvalidScoreException.class);
    assertThat(e).hasCause(boom).hasMessageContaining("model exploded");
    assertThat(e.getCause()).isSameAs(boom);
    assertThat(e.exampleId()).isEqualTo("a");
    assertThat(e).hasMessageContaining("'a'");
  }

  @Test
  void run_passesAnIcmExceptionFromTheScorerThroughUnchanged() {
    IcmException own = new IcmException("cannot load model: add the native library", "b", null);
    LabelScorer throwing =
        (space, requests) -> {
          throw own;
        };

    IcmException e = catchThrowableOfType(IcmException.class, () -> icm(throwing).run(ABC));

    assertThat(e).isSameAs(own);
  }

  @Test
  void run_rejectsNaNFromTheScorerAlsoInExhaustiveSearch() {
    Icm icm =
        Icm.builder().search(Searches.paper()).labelEveryExample(false)
            .scorer(badRowFor("a", new double[] {Double.NaN, Double.NaN}))
            .seed(1)
            .search(Searches.exhaustive())
            .build();

    InvalidScoreException e = catchThrowableOfType(InvalidScoreException.class, () -> icm.run(ABC));

    assertThat(e).isNotNull();
    assertThat(e.exampleId()).isEqualTo("a");
  }

  // ---- value types ----

  @Test
  void example_rejectsBlankId() {
    assertThatThrownBy(() -> Example.of("  ", "claim"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank")
        .hasMessageContaining("'  '");
  }

  @Test
  void example_rejectsEmptyPromptNamingTheId() {
    assertThatThrownBy(() -> Example.of("q17", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prompt")
        .hasMessageContaining("'q17'");
  }

  @Test
  void example_rejectsBlankGroupNamingTheId() {
    assertThatThrownBy(() -> Example.of("q17", "claim", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group")
        .hasMessageContaining("'q17'");
  }

  @Test
  void example_rejectsNullIdWithNpeNamingIt() {
    assertThatThrownBy(() -> new Example(null, "claim", "g", Map.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("id");
  }

  @Test
  void labelSpace_rejectsDuplicateNamesQuotingThem() {
    assertThatThrownBy(() -> LabelSpace.of("True", "False", "True"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("distinct")
        .hasMessageContaining("[True, False, True]");
  }

  @Test
  void labelSpace_rejectsASingleLabel() {
    assertThatThrownBy(() -> LabelSpace.of("True"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least two")
        .hasMessageContaining("[True]");
  }

  @Test
  void labelSpace_rejectsNoLabels() {
    assertThatThrownBy(() -> LabelSpace.of())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least two");
  }

  @Test
  void labelSpace_rejectsBlankLabel() {
    assertThatThrownBy(() -> LabelSpace.of("True", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
  }

  @Test
  void labelSpace_indexOfUnknownLabelNamesItAndTheSpace() {
    assertThatThrownBy(() -> LabelSpace.binary().indexOf("true"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'true'")
        .hasMessageContaining("[True, False]");
  }

  @Test
  void labeling_rejectsUnknownLabelNamingIdAndLabel() {
    assertThatThrownBy(
            () -> new Labeling(LabelSpace.binary(), Map.of("q3", "Maybe"), Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q3'")
        .hasMessageContaining("'Maybe'")
        .hasMessageContaining("[True, False]");
  }

  @Test
  void labeling_rejectsAnIdThatIsBothLabelledAndUnlabelled() {
    assertThatThrownBy(
            () -> new Labeling(LabelSpace.binary(), Map.of("q3", "True"), Set.of("q3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'q3'");
  }
}
