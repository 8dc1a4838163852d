package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.icm4j.result.Energy;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.Test;

/** The engine asks the scorer to check each batch before any work on it ({@link LabelScorer#checkBatch}). */
class CheckBatchTest {

  /** Records checkBatch and score calls in order; refuses batches larger than {@code limit}. */
  private static final class Recording implements LabelScorer {
    final int limit;
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    Recording(int limit) {
      this.limit = limit;
    }

    @Override
    public void checkBatch(LabelSpace labels, List<Example> batch) {
      calls.add("check " + batch.stream().map(Example::id).toList());
      if (batch.size() > limit) {
        throw new IcmException(
            "a batch of " + batch.size() + " examples is more than this scorer's limit of " + limit);
      }
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      calls.add("score");
      return ScoreResult.of(requests.stream().map(r -> new double[] {0, -1}).toList());
    }
  }

  private static List<Example> examples(int n) {
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Example.of("e" + i, "prompt " + i));
    }
    return out;
  }

  @Test
  void run_failsBeforeAnyScoring_whenTheScorerRefusesTheBatch() {
    Recording scorer = new Recording(3);
    Icm icm = Icm.builder().search(Searches.paper().withIterations(5)).scorer(scorer).initialLabels(2).seed(1).build();

    assertThatThrownBy(() -> icm.run(examples(5)))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("limit of 3");
    assertThat(scorer.calls).containsExactly("check [e0, e1, e2, e3, e4]");
  }

  @Test
  void run_checksEachBatchOnce_beforeItsChainsStart() {
    Recording scorer = new Recording(3);
    Icm icm =
        Icm.builder().search(Searches.paper().withIterations(3)).scorer(scorer).initialLabels(2).chains(2).batchSize(3).seed(1).build();

    IcmResult result = icm.run(examples(6));

    List<String> checks = scorer.calls.stream().filter(c -> c.startsWith("check")).toList();
    assertThat(checks).hasSize(2);
    assertThat(scorer.calls.get(0)).startsWith("check");
    int second = scorer.calls.indexOf(checks.get(1));
    assertThat(scorer.calls.subList(1, second)).isNotEmpty().allMatch(c -> c.equals("score"));
    assertThat(result.batches()).hasSize(2);
    assertThat(checks.get(0) + checks.get(1)).contains(result.batches().get(0).exampleIds().get(0));
  }

  @Test
  void energy_checksTheLabelledExamples_whoseContextsItScores() {
    Recording scorer = new Recording(2);
    Icm icm = Icm.builder().scorer(scorer).seed(1).build();
    List<Example> batch = examples(4);

    Energy e =
        icm.energy(batch, Labeling.of(LabelSpace.binary(), Map.of("e1", "True", "e3", "False")));
    assertThat(e.labelled()).isEqualTo(2);
    assertThat(scorer.calls.get(0)).isEqualTo("check [e1, e3]");

    assertThatThrownBy(
            () ->
                icm.energy(
                    batch, Labeling.of(LabelSpace.binary(), Map.of("e0", "True", "e1", "True", "e2", "False"))))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("limit of 2");
  }
}
