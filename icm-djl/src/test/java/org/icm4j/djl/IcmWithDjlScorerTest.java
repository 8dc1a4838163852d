package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.IcmException;
import org.icm4j.Rules;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;
import org.junit.jupiter.api.Test;

/** ICM end to end on a real (tiny, random) TorchScript model: the run is complete and reproducible. */
class IcmWithDjlScorerTest {

  private static IcmResult run(List<Example> examples, DjlScorer.LeaveOneOut mode) {
    try (DjlScorer scorer = ModelScorerContractTest.torchScript("gpt2-kv", mode)) {
      return Icm.builder()
          .search(Searches.paper().withIterations(25).withFixRounds(2))
          .scorer(scorer)
          .rule(Rules.exactlyOne())
          .initialLabels(4)
          .seed(9)
          .build()
          .run(examples);
    }
  }

  @Test
  void icmRun_batchWhoseContextCannotFit_failsBeforeTheModelRuns() {
    List<Example> examples = ModelScorerContractTest.claims(40); // about 24 tokens each
    try (DjlScorer scorer = ModelScorerContractTest.torchScript("gpt2-kv", DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER)) {
      Icm icm = Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(9).build();

      assertThatThrownBy(() -> icm.run(examples))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("a batch of 40 examples can need a context of")
          .hasMessageContaining("model's limit of 512")
          .hasMessageContaining("Icm.Builder.batchSize(");
      assertThat(scorer.tokensForwarded()).isZero();
    }
  }

  @Test
  void defaultSearch_labelsEveryClaimConsistently_reproducibly() {
    List<Example> examples = ModelScorerContractTest.claims(10);
    IcmResult first;
    IcmResult again;
    try (DjlScorer scorer =
        ModelScorerContractTest.torchScript("gpt2-kv", DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER)) {
      Icm icm = Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(9).build();
      first = icm.run(examples);
      again = icm.run(examples);
    }

    assertThat(first.isComplete()).isTrue();
    assertThat(first.labels().isComplete()).isTrue();
    assertThat(first.inconsistency()).isZero();
    assertThat(first.details()).hasSize(10).allMatch(d -> d.probability() > 0 && d.probability() < 1);
    assertThat(first.counts().tokens()).isPositive();
    assertThat(again.labels()).isEqualTo(first.labels());
    assertThat(again.history()).isEqualTo(first.history());
    assertThat(again.counts()).isEqualTo(first.counts());
  }

  @Test
  void icmRun_isCompleteReproducibleAndCountsTheModelsWork() {
    List<Example> examples = ModelScorerContractTest.claims(10);
    IcmResult first = run(examples, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
    IcmResult again = run(examples, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);

    assertThat(first.isComplete()).isTrue();
    assertThat(first.labels().labelledCount()).isGreaterThanOrEqualTo(4);
    assertThat(first.counts().tokens()).isPositive();
    assertThat(again.labels()).isEqualTo(first.labels());
    assertThat(again.history()).isEqualTo(first.history());
  }
}
