package org.icm4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.finetune.FineTuningRound;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.RunCounts;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.Test;

class FineTuningEvaluationTest {
  private static final LabelSpace SPACE = LabelSpace.binary();
  private static final GoldLabels GOLD =
      GoldLabels.of(SPACE, Map.of("a", "True", "b", "False", "c", "True", "t1", "True", "t2", "False"));
  private static final List<Example> HELD_OUT = List.of(Example.of("t1", "one"), Example.of("t2", "two"));

  /** Always says True. */
  private static final LabelScorer ALWAYS_TRUE =
      (space, requests) -> ScoreResult.of(requests.stream().map(r -> new double[] {0, -5}).toList());

  /** A batch summary of a real run (its content does not matter here). */
  private static final BatchSummary BATCH =
      org.icm4j.Icm.builder()
          .scorer((space, requests) -> ScoreResult.of(requests.stream().map(r -> new double[] {0, -1}).toList()))
          .seed(1)
          .build()
          .run(java.util.stream.IntStream.range(0, 8).mapToObj(i -> Example.of("x" + i, "x")).toList())
          .batches()
          .get(0);

  private static FineTuningRound round(int index, Map<String, String> labelled, Set<String> unlabelled) {
    BatchSummary batch = BATCH;
    return new FineTuningRound(
        index, index - 1, batch, new Labeling(SPACE, labelled, unlabelled), RunCounts.zero(), Duration.ZERO,
        true, labelled.size(), Duration.ZERO, Map.of());
  }

  @Test
  void onRound_measuresTheBatchTheLabelsSoFarAndTheNextModelOnHeldOutExamples() {
    FineTuningEvaluation evaluation = new FineTuningEvaluation(GOLD, HELD_OUT);
    evaluation.onRound(round(0, Map.of("a", "True", "b", "True"), Set.of()), ALWAYS_TRUE);
    evaluation.onRound(round(1, Map.of(), Set.of("c")), ALWAYS_TRUE);
    assertThat(evaluation.scores())
        .containsExactly(
            new FineTuningEvaluation.Score(0, 2, 2, 0.5, 2, 0.5, 0.5),
            new FineTuningEvaluation.Score(1, 0, 1, Double.NaN, 2, 0.5, 0.5));
  }

  @Test
  void constructor_rejectsAHeldOutExampleWithoutGold() {
    assertThatThrownBy(() -> new FineTuningEvaluation(GOLD, List.of(Example.of("x", "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("held-out example 'x' has no gold label: every held-out example needs one");
  }
}
