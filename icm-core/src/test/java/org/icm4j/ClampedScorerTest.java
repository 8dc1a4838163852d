package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.search.SearchStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A scorer whose rows are finite but clamped to {@code -Double.MAX_VALUE} makes the energy
 * infinite: the run fails naming an example and the remedy, instead of completing with U =
 * Infinity and a frozen search.
 */
class ClampedScorerTest {

  /** "True" at log-probability 0, "False" clamped to -Double.MAX_VALUE, for every query. */
  private static final LabelScorer CLAMPED =
      (space, requests) ->
          ScoreResult.of(requests.stream().map(r -> new double[] {0, -Double.MAX_VALUE}).toList());

  private static List<Example> examples() {
    List<Example> out = new ArrayList<>();
    for (int q = 0; q < 6; q++) {
      for (int c = 0; c < 4; c++) {
        out.add(Example.of("q" + q + "/c" + c, "claim " + q + " " + c, "q" + q));
      }
    }
    return out;
  }

  @ParameterizedTest(name = "paper annealing: {0}")
  @ValueSource(booleans = {false, true})
  void aScorerClampedToMinusDoubleMax_failsTheRun_namingTheExampleAndTheRemedy(boolean paper) {
    SearchStrategy search = paper ? Searches.paper().withIterations(200) : Searches.multiStart();
    Icm.Builder b = Icm.builder().scorer(CLAMPED).search(search).rule(Rules.exactlyOne()).seed(2);
    if (paper) {
      b.initialLabels(4);
    }

    InvalidScoreException e = catchThrowableOfType(InvalidScoreException.class, () -> b.build().run(examples()));

    assertThat(e).isNotNull();
    assertThat(e.exampleId()).isNotNull();
    assertThat(examples().stream().map(Example::id)).contains(e.exampleId());
    assertThat(e)
        .hasMessageContaining("'" + e.exampleId() + "'")
        .hasMessageContaining("clamp log-probabilities to a moderate floor such as -1e4")
        .hasMessageContaining("-Double.MAX_VALUE");
  }
}
