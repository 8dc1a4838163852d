package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.PromptLayout;
import org.icm4j.text.PromptTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DjlScorer on the TorchScript traces of the tiny Llama- and Qwen2-style fixtures
 * ({@code fixtures/arch}, written by {@code scripts/make-arch-fixtures.py}): grouped-query
 * attention (fewer key/value heads), an explicit head_dim, rotary positions. The text layer gives
 * each leave-one-out row the token ids the script computed, and the label log-probabilities equal
 * the script's eager PyTorch forward. llama-tiny's trace takes DJL's GPT-2 argument order, qwen2-tiny's
 * Hugging Face's (each stated in its {@code icm4j-torchscript.json}, next to the model's own {@code
 * config.json}); llama-tiny's {@code model_fp16.pt} is the same model in float16.
 */
class ArchFixturesTest {

  static final Path ARCH = Path.of("../fixtures/arch");

  @ParameterizedTest
  @CsvSource({
    "llama-tiny, official, PLAIN",
    "llama-tiny, official, DIVIDE_AND_CONQUER",
    "llama-tiny, yes-no, SHARED_PREFIX",
    "qwen2-tiny, official, DIVIDE_AND_CONQUER",
    "qwen2-tiny, yes-no, PLAIN",
    "qwen2-tiny, yes-no, DIVIDE_AND_CONQUER"
  })
  void leaveOneOutRows_equalTheReferenceForwardWithinOneInTenThousand(
      String arch, String layoutName, DjlScorer.LeaveOneOut mode) throws IOException {
    Path dir = ARCH.resolve(arch);
    double worst = worst(dir, dir.resolve("torchscript"), "model.pt", layoutName, mode);
    System.out.printf("%s %s %s: max |delta| = %.3g%n", arch, layoutName, mode, worst);
    assertThat(worst).as("%s %s %s: largest |log-prob difference|", arch, layoutName, mode).isLessThanOrEqualTo(1e-4);
  }

  /**
   * A float16 trace: the empty past is made in float16 (the weights' type) and the logits come
   * back as float32. With a float32 empty past the trace's presents come back in float32 and the
   * scorer fails naming the output. The bound is the fp16 exports' (OnnxScorerReferenceTest).
   */
  @ParameterizedTest
  @CsvSource({
    "official, DIVIDE_AND_CONQUER",
    "yes-no, SHARED_PREFIX",
  })
  void float16Trace_runsWithItsOwnTypeOfPastAndStaysNearTheReference(
      String layoutName, DjlScorer.LeaveOneOut mode) throws IOException {
    Path dir = ARCH.resolve("llama-tiny");
    double worst = worst(dir, dir.resolve("torchscript"), "model_fp16.pt", layoutName, mode);
    System.out.printf("llama-tiny model_fp16.pt %s %s: max |delta| = %.3g%n", layoutName, mode, worst);
    assertThat(worst).as("llama-tiny fp16 %s %s", layoutName, mode).isLessThanOrEqualTo(0.1);
  }

  /**
   * qwen2-tiny's trace takes Hugging Face's order; stating DJL's GPT-2 order instead (positions and
   * mask swapped) fails as soon as a cached context makes the two of different lengths, and the
   * message points at the settings' order (on one token it runs and gives other numbers:
   * TorchScriptLmTest).
   */
  @Test
  void huggingFaceOrderTrace_withTheOtherOrderStated_failsNamingTheOrder(@TempDir Path tmp)
      throws IOException {
    Path dir = ARCH.resolve("qwen2-tiny");
    Path model = tmp.resolve("torchscript");
    Files.createDirectories(model);
    Files.copy(dir.resolve("torchscript/model.pt"), model.resolve("model.pt"));
    ObjectNode settings =
        (ObjectNode) new ObjectMapper().readTree(dir.resolve("torchscript/icm4j-torchscript.json").toFile());
    assertThat(settings.get("inputs").toString())
        .isEqualTo("[\"input_ids\",\"attention_mask\",\"position_ids\",\"past_key_values\"]");
    settings.putArray("inputs").add("input_ids").add("position_ids").add("attention_mask").add("past_key_values");
    Files.writeString(model.resolve("icm4j-torchscript.json"), settings.toString());

    assertThatThrownBy(
            () -> worst(dir, model, "model.pt", "official", DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("\"inputs\" there lists its arguments in its order ([input_ids,"
            + " position_ids, attention_mask, past_key_values])");
  }

  private static double worst(
      Path dir, Path modelDir, String modelFile, String layoutName, DjlScorer.LeaveOneOut mode)
      throws IOException {
    String arch = String.valueOf(dir.getFileName());
    JsonNode ref = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
    JsonNode layout = null;
    for (JsonNode l : ref.get("layouts")) {
      if (l.get("name").asText().equals(layoutName)) {
        layout = l;
      }
    }
    assertThat(layout).as("layout %s in %s", layoutName, dir).isNotNull();
    Map<String, String> verbalizers = new HashMap<>();
    layout.get("verbalizers").fields().forEachRemaining(e -> verbalizers.put(e.getKey(), e.getValue().asText()));
    PromptLayout promptLayout = new PromptLayout(verbalizers, layout.get("separator").asText());
    List<LabelledExample> labelled = new ArrayList<>();
    for (JsonNode e : ref.get("examples")) {
      labelled.add(new LabelledExample(Example.of(e.get("id").asText(), e.get("prompt").asText()), e.get("label").asText()));
    }
    LabelSpace space = LabelSpace.binary();
    String order = mode == DjlScorer.LeaveOneOut.SHARED_PREFIX ? "PLAIN" : mode.name();
    JsonNode rows = layout.get("orders").get(order);

    try (TextTokenizer tokenizer = TextTokenizer.huggingFace(dir.resolve("tokenizer.json"));
        DjlScorer scorer =
            DjlScorer.builder()
                .model(TorchScriptLm.builder(modelDir).modelFile(modelFile).build())
                .tokenizer(tokenizer)
                .template(promptLayout)
                .leaveOneOut(mode)
                .ownsResources(true)
                .build()) {
      PromptTokens text = PromptTokens.of(promptLayout, tokenizer, 276);
      ScoreResult result = scorer.scoreLeaveOneOut(space, labelled);
      double worst = 0;
      for (JsonNode row : rows) {
        int i = row.get("query").asInt();
        List<LabelledExample> context = new ArrayList<>();
        for (JsonNode j : row.get("context")) {
          context.add(labelled.get(j.asInt()));
        }
        long[] tokens = PromptTokens.concat(text.demos(context, space), text.prompt(labelled.get(i).example(), space));
        long[] expected = new long[row.get("tokens").size()];
        for (int t = 0; t < expected.length; t++) {
          expected[t] = row.get("tokens").get(t).asLong();
        }
        assertThat(tokens).as("%s %s row %s: token ids", arch, layoutName, i).containsExactly(expected);
        assertThat(scorer.leaveOneOutRequests(labelled).get(i).context()).as("row %s context", i).isEqualTo(context);
        for (int k = 0; k < space.size(); k++) {
          double want = row.get("logprobs").get(k).asDouble();
          worst = Math.max(worst, Math.abs(result.row(i)[k] - want));
        }
      }
      return worst;
    }
  }
}
