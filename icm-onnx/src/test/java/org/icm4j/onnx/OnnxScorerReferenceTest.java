package org.icm4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * OnnxScorer on the tiny Llama- and Qwen2-style ONNX exports of {@code fixtures/arch}: leave-one-out
 * label log-probabilities against the script's eager PyTorch forward (fp32 within 1e-4; fp16 within
 * the bound below, its measured error printed), also with the context read in chunks of 5 tokens.
 */
class OnnxScorerReferenceTest {

  @ParameterizedTest
  @CsvSource({
    "llama-tiny, model.onnx, official, PLAIN, 1e-4, 256",
    "llama-tiny, model.onnx, official, DIVIDE_AND_CONQUER, 1e-4, 256",
    "llama-tiny, model.onnx, yes-no, SHARED_PREFIX, 1e-4, 256",
    "llama-tiny, model.onnx, yes-no, DIVIDE_AND_CONQUER, 1e-4, 256",
    "qwen2-tiny, model.onnx, official, SHARED_PREFIX, 1e-4, 256",
    "qwen2-tiny, model.onnx, official, DIVIDE_AND_CONQUER, 1e-4, 256",
    "qwen2-tiny, model.onnx, yes-no, PLAIN, 1e-4, 256",
    "qwen2-tiny, model.onnx, yes-no, DIVIDE_AND_CONQUER, 1e-4, 256",
    "llama-tiny, model_fp16.onnx, official, DIVIDE_AND_CONQUER, 0.1, 256",
    "llama-tiny, model_fp16.onnx, yes-no, DIVIDE_AND_CONQUER, 0.1, 256",
    "qwen2-tiny, model_fp16.onnx, official, DIVIDE_AND_CONQUER, 0.1, 256",
    "qwen2-tiny, model_fp16.onnx, yes-no, DIVIDE_AND_CONQUER, 0.1, 256",
    "llama-tiny, model.onnx, official, PLAIN, 1e-4, 5",
    "qwen2-tiny, model.onnx, yes-no, DIVIDE_AND_CONQUER, 1e-4, 5",
    "llama-tiny, model_fp16.onnx, yes-no, SHARED_PREFIX, 0.1, 5"
  })
  void leaveOneOutRows_equalTheReferenceForward(
      String arch, String file, String layoutName, LeaveOneOutOrder order, double bound, int chunk) {
    JsonNode ref = Fixtures.reference(arch);
    JsonNode layout = Fixtures.layout(ref, layoutName);
    PromptLayout promptLayout = Fixtures.promptLayout(layout);
    List<LabelledExample> labelled = Fixtures.labelled(ref);
    String refOrder = order == LeaveOneOutOrder.SHARED_PREFIX ? "PLAIN" : order.name();
    LabelSpace space = LabelSpace.binary();

    try (OnnxScorer scorer =
        OnnxScorer.builder()
            .model(Fixtures.ARCH.resolve(arch).resolve("onnx").resolve(file))
            .tokenizer(Fixtures.tokenizer(arch))
            .layout(promptLayout)
            .leaveOneOut(order)
            .chunkTokens(chunk)
            .build()) {
      ScoreResult result = scorer.scoreLeaveOneOut(space, labelled);
      double worst = 0;
      for (JsonNode row : layout.get("orders").get(refOrder)) {
        int i = row.get("query").asInt();
        for (int k = 0; k < space.size(); k++) {
          worst = Math.max(worst, Math.abs(result.row(i)[k] - row.get("logprobs").get(k).asDouble()));
        }
      }
      System.out.printf("%s %s %s %s chunks of %s: max |delta| = %.3g%n", arch, file, layoutName, order, chunk, worst);
      assertThat(worst).as("%s %s %s %s: largest |log-prob difference|", arch, file, layoutName, order)
          .isLessThanOrEqualTo(bound);
    }
  }
}
