package org.icm4j.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.junit.jupiter.api.Test;

class LabelLogProbsTest {

  // ids: 0 <unk>, 1 "a", 2 " T", 3 "ru", 4 "e", 5 " F"
  private static final GreedyTokenizer TOK = new GreedyTokenizer("a", " T", "ru", "e", " F");
  private static final int V = TOK.size();
  private static final PromptTokens TEXT =
      PromptTokens.of(new PromptLayout(Map.of("yes", " True", "no", " F"), "a"), TOK, V);
  private static final LabelSpace SPACE = LabelSpace.of("yes", "no");
  private static final Example QUERY = Example.of("q1", "a");

  @Test
  public void logSoftmax_isTheLogOfTheSoftmaxProbability() {
    float[] logits = {9f, 0f, (float) Math.log(3), 9f};

    // the row at offset 1 of length 2: softmax (1/4, 3/4)
    assertThat(LabelLogProbs.logSoftmax(logits, 1, 2, 1)).isCloseTo(Math.log(0.75), within(1e-7));
    assertThat(LabelLogProbs.logSoftmax(logits, 1, 2, 0)).isCloseTo(Math.log(0.25), within(1e-7));
  }

  @Test
  public void logSoftmax_rejectsARowOutsideTheArray() {
    assertThatThrownBy(() -> LabelLogProbs.logSoftmax(new float[4], 2, 3, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset 2");
    assertThatThrownBy(() -> LabelLogProbs.logSoftmax(new float[4], 0, 4, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token 4");
  }

  @Test
  public void row_sumsEveryTokenOfALabelAndReadsItsEarlierTokensAfterTheQuery() {
    // " True" is " T", "ru", "e": the first from the query's row, the others from the continuation
    float[] first = new float[V];
    first[2] = 1f; // " T"
    first[5] = 2f; // " F"
    List<long[]> asked = new ArrayList<>();
    LabelLogProbs.Continuation rest =
        tokens -> {
          asked.add(tokens);
          float[] rows = new float[tokens.length * V];
          rows[3] = 5f; // after " T": "ru"
          rows[V + 4] = -1f; // after "ru": "e"
          return rows;
        };

    double[] row = LabelLogProbs.row(QUERY, SPACE, TEXT, V, first, 0, rest);

    double z0 = Math.log(4 + Math.exp(1) + Math.exp(2));
    double z1 = Math.log(5 + Math.exp(5));
    double z2 = Math.log(5 + Math.exp(-1));
    assertThat(row[0]).isCloseTo((1 - z0) + (5 - z1) + (-1 - z2), within(1e-6));
    assertThat(row[1]).isCloseTo(2 - z0, within(1e-6));
    assertThat(asked).hasSize(1); // only the label of several tokens
    assertThat(asked.get(0)).containsExactly(2L, 3L);
  }

  @Test
  public void row_failsNamingTheLabelAndExampleWhenALogitIsNotFinite() {
    float[] first = new float[V];
    first[5] = Float.NaN;

    assertThatThrownBy(
            () -> LabelLogProbs.row(QUERY, LabelSpace.of("no", "yes"), TEXT, V, first, 0, t -> new float[0]))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("label 'no' of example 'q1'")
        .hasMessageContaining("not finite");
  }

  @Test
  public void row_failsWhenTheContinuationReturnsTheWrongNumberOfLogits() {
    assertThatThrownBy(
            () -> LabelLogProbs.row(QUERY, SPACE, TEXT, V, new float[V], 0, t -> new float[V]))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("label 'yes' after example 'q1'")
        .hasMessageContaining("not 2 x " + V);
  }
}
