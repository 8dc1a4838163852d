package org.icm4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OnnxScorer#identity()}: the model's files, vocabulary and dtype. */
class OnnxScorerIdentityTest {

  private static OnnxScorer scorer(Path model) {
    return OnnxScorer.builder().model(model).tokenizer(Fixtures.tokenizer("llama-tiny"))
        .layout(PromptLayout.official()).leaveOneOut(LeaveOneOutOrder.PLAIN).maxLength(64).build();
  }

  @Test
  void identity_theSameModelLoadedTwiceIsTheSame_anotherModelOrDtypeIsNot() {
    Path llama = Fixtures.ARCH.resolve("llama-tiny/onnx/model.onnx");
    try (OnnxScorer a = scorer(llama);
        OnnxScorer b = scorer(llama);
        OnnxScorer half = scorer(Fixtures.ARCH.resolve("llama-tiny/onnx/model_fp16.onnx"));
        OnnxScorer qwen = scorer(Fixtures.ARCH.resolve("qwen2-tiny/onnx/model.onnx"))) {
      Map<String, String> id = a.identity();
      assertThat(id).isEqualTo(b.identity()).containsOnlyKeys("modelDigest", "vocabularySize", "dtype")
          .containsEntry("vocabularySize", "276").containsEntry("dtype", "float32");
      assertThat(id.get("modelDigest")).matches("[0-9a-f]{32}");
      assertThat(half.identity()).containsEntry("dtype", "float16");
      assertThat(half.identity().get("modelDigest")).isNotEqualTo(id.get("modelDigest"));
      assertThat(qwen.identity().get("modelDigest")).isNotEqualTo(id.get("modelDigest"));
    }
  }

  @Test
  void identity_includesTheExternalDataFile_andNotTheDirectory(@TempDir Path dir) throws IOException {
    Path model = dir.resolve("model.onnx");
    Files.copy(Fixtures.ARCH.resolve("llama-tiny/onnx/model.onnx"), model);
    String alone;
    try (OnnxScorer s = scorer(model)) {
      alone = s.identity().get("modelDigest");
    }
    try (OnnxScorer s = scorer(Fixtures.ARCH.resolve("llama-tiny/onnx/model.onnx"))) {
      assertThat(s.identity()).as("the same file elsewhere").containsEntry("modelDigest", alone);
    }
    Path data = dir.resolve("model.onnx_data");
    Files.write(data, new byte[] {1, 2, 3});
    String withData;
    try (OnnxScorer s = scorer(model)) {
      withData = s.identity().get("modelDigest");
    }
    Files.write(data, new byte[] {4}, StandardOpenOption.APPEND);
    try (OnnxScorer s = scorer(model)) {
      assertThat(withData).isNotEqualTo(alone);
      assertThat(s.identity().get("modelDigest")).as("changed external data").isNotEqualTo(withData);
    }
  }
}
