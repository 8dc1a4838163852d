package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.util.List;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.junit.jupiter.api.Test;

/**
 * The smoke test of {@link RealisticShapeBenchmark} at a tiny shape (the benchmark itself runs
 * outside the build): both paths read the same tokens and give the same label log-probabilities,
 * the batched path in fewer forwards; the FLOP count and the schedule's cache figure are right.
 */
class RealisticShapeBenchmarkTest {

  @Test
  void tinyShape_bothPathsAgree_batchedInFewerForwards() {
    GptConfig tiny = RealisticShapeBenchmark.TINY;
    try (BlockLm lm = BlockLm.create(tiny, Device.cpu())) {
      RealisticShapeBenchmark.Result r = RealisticShapeBenchmark.measure(lm, tiny, 12, 1, true);
      assertThat(r.maxDifference()).isLessThanOrEqualTo(BatchedSweepProperties.TOLERANCE);
      assertThat(r.batchedForwards()).isLessThan(r.oneAtATimeForwards());
      assertThat(r.tokens()).isGreaterThan(12L * 30); // every prompt has at least 30 tokens
      assertThat(r.flops()).isGreaterThan(0);
    }
  }

  @Test
  void readFlops_oneTokenWithTheHead_countsMatricesAttentionAndHead() {
    // d = 32, 2 layers, MLP 128, vocabulary 512: per layer 4 d^2 + 2 d mlp = 12,288 weights
    // (x 2 layers x 2 FLOPs = 49,152), attention 4 d x 2 layers x 1 position = 256, head 2 d V = 32,768
    assertThat(RealisticShapeBenchmark.readFlops(
            RealisticShapeBenchmark.Widths.of(RealisticShapeBenchmark.TINY), 0, 1, 1))
        .isEqualTo(49_152 + 256 + 32_768);
  }

  @Test
  void readFlops_llamaShape_countsGroupedQueryAttentionAndTheGatedMlp() {
    // per layer q and o 768 x 768, k and v 768 x 256, gate, up and down 768 x 2048: 6,291,456
    // weights, x 12 layers x 2 FLOPs = 150,994,944 per token; 2 tokens after 10 cached attend to
    // 11 + 12 = 23 positions (themselves included), 4 x 768 x 12 each = 847,872; no head
    assertThat(RealisticShapeBenchmark.readFlops(RealisticShapeBenchmark.LLAMA, 10, 2, 0))
        .isEqualTo(2 * 150_994_944.0 + 847_872);
  }

  @Test
  void peakCachedTokens_withoutTheModel_isWhatTheRunKept() {
    GptConfig tiny = RealisticShapeBenchmark.TINY;
    List<LabelledExample> labelled = RealisticShapeBenchmark.examples(20, 3);
    WordTokenizer tok = RealisticShapeBenchmark.tokenizer(tiny, labelled);
    try (BlockLm lm = BlockLm.create(tiny, Device.cpu());
        DjlScorer s = DjlScorer.builder().model(lm).tokenizer(tok).maxBatchTokens(256)
            .ownsResources(false).build()) {
      long predicted = s.peakCachedTokensWithoutModel(LabelSpace.binary(), labelled);
      s.scoreLeaveOneOut(LabelSpace.binary(), labelled);
      assertThat(s.peakCachedTokens()).isEqualTo(predicted).isPositive();
    }
  }
}
