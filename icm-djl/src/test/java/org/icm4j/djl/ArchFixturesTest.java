package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.PromptLayout;
import org.icm4j.text.PromptTokens;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DjlScorer on the TorchScript traces of the tiny Llama- and Qwen2-style fixtures
 * ({@code fixtures/arch}, written by {@code scripts/make-arch-fixtures.py}): grouped-query
 * attention (fewer key/value heads), an explicit head_dim, rotary positions. The text layer gives
 * each leave-one-out row the token ids the script computed, and the label log-probabilities equal
 * the script's eager PyTorch forward.
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
                .model(TorchScriptLm.load(dir.resolve("torchscript")))
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
      System.out.printf("%s %s %s: max |delta| = %.3g%n", arch, layoutName, mode, worst);
      assertThat(worst).as("%s %s %s: largest |log-prob difference|", arch, layoutName, mode).isLessThanOrEqualTo(1e-4);
    }
  }
}
