package org.icm4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxScorerTest {

  @Test
  void build_readsTheLayoutFromTheGraph() {
    try (OnnxScorer fp32 = Fixtures.scorer("llama-tiny", "model.onnx", PromptLayout.official(), LeaveOneOutOrder.PLAIN);
        OnnxScorer fp16 = Fixtures.scorer("qwen2-tiny", "model_fp16.onnx", PromptLayout.official(), LeaveOneOutOrder.PLAIN)) {
      assertThat(fp32.vocabularySize()).isEqualTo(276);
      assertThat(fp32.isFloat16()).isFalse();
      assertThat(fp32.toString()).contains("2 layers, 2 kv heads x 32, float32");
      assertThat(fp16.isFloat16()).isTrue();
      assertThat(fp16.toString()).contains("2 kv heads x 16, float16");
    }
  }

  @Test
  void scoreLeaveOneOut_rejectsAPromptEndingInWhitespaceAsEveryTextLayerScorerDoes() {
    try (OnnxScorer scorer = Fixtures.scorer("llama-tiny", "model.onnx", PromptLayout.official(), LeaveOneOutOrder.DIVIDE_AND_CONQUER)) {
      List<LabelledExample> labelled =
          List.of(
              new LabelledExample(Example.of("ok", "Claim: 1 = 1.\n\nThe claim is"), "True"),
              new LabelledExample(Example.of("bad", "Claim: 1 = 2.\n\nThe claim is "), "False"));

      assertThatThrownBy(() -> scorer.scoreLeaveOneOut(LabelSpace.binary(), labelled))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("the prompt of example 'bad' ends with whitespace");
    }
  }

  @Test
  void score_countsTokensWithTheCacheReadOnceForRequestsSharingAContext() {
    try (OnnxScorer scorer = Fixtures.scorer("llama-tiny", "model.onnx", PromptLayout.official(), LeaveOneOutOrder.PLAIN)) {
      Example a = Example.of("a", "Claim: 1 = 1.\n\nThe claim is");
      Example b = Example.of("b", "Claim: 2 = 2.\n\nThe claim is");
      List<LabelledExample> context = List.of(new LabelledExample(a, "True"));

      long alone = scorer.score(LabelSpace.binary(), List.of(new ScoreRequest(b, List.of()))).tokens();
      long twice =
          scorer.score(LabelSpace.binary(), List.of(new ScoreRequest(b, context), new ScoreRequest(b, context))).tokens();

      // official labels are one token each: a query reads its prompt only
      long prompt = alone;
      long demo = twice - 2 * prompt;
      assertThat(prompt).isGreaterThan(5);
      assertThat(demo).as("the shared context read once: prompt of a + label + separator").isEqualTo(prompt + 1 + 1);
    }
  }

  @Test
  void build_withoutAConfigOrAMaxLength_saysWhatToSet(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("model.onnx");
    Files.copy(Fixtures.ARCH.resolve("llama-tiny/onnx/model.onnx"), copy);

    assertThatThrownBy(() -> OnnxScorer.builder().model(copy).tokenizer(Fixtures.tokenizer("llama-tiny")).build())
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("no config.json next to " + copy)
        .hasMessageContaining("maxLength(int)");

    try (OnnxScorer scorer =
        OnnxScorer.builder().model(copy).tokenizer(Fixtures.tokenizer("llama-tiny")).maxLength(40).build()) {
      List<LabelledExample> labelled =
          List.of(
              new LabelledExample(Example.of("a", "Claim: 1 = 1.\n\nThe claim is"), "True"),
              new LabelledExample(Example.of("b", "Claim: 2 = 2.\n\nThe claim is"), "False"),
              new LabelledExample(Example.of("c", "Claim: 3 = 3.\n\nThe claim is"), "True"));
      assertThatThrownBy(() -> scorer.checkBatch(LabelSpace.binary(), labelled.stream().map(LabelledExample::example).toList()))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("more than the model's limit of 40");
      assertThatThrownBy(() -> scorer.scoreLeaveOneOut(LabelSpace.binary(), labelled))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("limit of 40");
    }
  }

  @Test
  void build_namesAMissingModelFile() {
    assertThatThrownBy(
            () -> OnnxScorer.builder().model(Path.of("no/such/model.onnx")).tokenizer(t -> new long[0]).build())
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("no/such/model.onnx does not exist");
  }

  @Test
  void build_requiresATokenizer() {
    assertThatThrownBy(() -> OnnxScorer.builder().model(Fixtures.ARCH.resolve("llama-tiny/onnx/model.onnx")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no tokenizer set");
  }
}
