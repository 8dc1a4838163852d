package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.http.Engine;
import org.icm4j.http.HttpScorer;
import org.icm4j.http.Tokenizer;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link HttpScorer} against a real llama.cpp {@code llama-server} serving the GGUF files of the
 * tiny Llama- and Qwen2-style fixtures ({@code fixtures/arch/*}/gguf, written by {@code
 * scripts/make-arch-fixtures.py} in llama.cpp's {@code llama} architecture, and for qwen2-tiny also
 * in its {@code qwen2} architecture): the server loads each file, tokenizes every reference row's
 * text to the row's token ids, and gives the leave-one-out label log-probabilities of the script's
 * eager PyTorch forward ({@code reference.json}) in both prompt layouts and all three leave-one-out
 * orders, within {@link #TOLERANCE}.
 *
 * <p>Why not 0: the reference is PyTorch's fp32 forward; llama.cpp computes the same function in
 * fp32 (weights, {@code -ctk f32 -ctv f32} cache, {@code -fa off}) but with other kernels: other
 * summation orders in the matrix products and the softmax, its own RMSNorm and rotary code (the
 * angles {@code theta^(-2i/d) * pos} computed by another formula), and, with the prefix cache, keys
 * and values computed in another batch than the query's. Each is float32 rounding, about 1e-7
 * relative per operation, grown through 2 layers to logits of magnitude up to about 10.
 *
 * <p>Run by {@code .ci/run} with the other real-server tests ({@code -Pllama-server}); skipped
 * with a message without a binary, except under CI ({@code CI=true}), where it fails.
 */
class LlamaServerArchIT {

  /**
   * The largest accepted |label log-prob difference| (nats), the fp32 bound of the ONNX and DJL
   * fixture tests; measured (docs/bring-your-own-model.md): at most 3.3e-6 for llama-tiny, 3.9e-5
   * for qwen2-tiny, whose tied embeddings give logits up to 47 in magnitude (llama-tiny's stay
   * below 3), so the same relative float32 rounding is larger in nats.
   */
  static final double TOLERANCE = 1e-4;

  static final Path ARCH = Path.of("../fixtures/arch");
  private static final LabelSpace BINARY = LabelSpace.binary();

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "llama-tiny, model.llama.gguf",
    "qwen2-tiny, model.llama.gguf",
    "qwen2-tiny, model.qwen2.gguf"
  })
  void servedGgufGivesTheReferenceLabelLogProbs(String fixture, String file, @TempDir Path tmp) {
    Path binary = LlamaServerFixture.binaryOrSkip();
    JsonNode ref = read(ARCH.resolve(fixture).resolve("reference.json"));
    List<LabelledExample> labelled = labelled(ref);
    Tokenizer local = Tokenizer.huggingFace(ARCH.resolve(fixture).resolve("tokenizer.json"));
    int vocabulary = read(ARCH.resolve(fixture).resolve("config.json")).get("vocab_size").asInt();
    try (LlamaServerProcess server = LlamaServerProcess.start(
        binary, ARCH.resolve(fixture).resolve("gguf").resolve(file), 1, 512,
        Integer.getInteger("icm4j.llamaThreads", 2), tmp.resolve("server.log"))) {
      double worst = 0;
      for (JsonNode layout : ref.get("layouts")) {
        PromptLayout promptLayout = promptLayout(layout);

        // the server's own tokenizer (the file's tokenizer.ggml.*) gives each row's reference ids
        try (HttpScorer serverSide = HttpScorer.builder().endpoint(server.url()).engine(Engine.LLAMA_CPP)
            .layout(promptLayout).maxInFlight(1).build()) {
          for (JsonNode row : layout.get("orders").get("PLAIN")) {
            List<Integer> served = new ArrayList<>();
            for (String segment : rowSegments(ref, layout, row)) {
              for (int id : serverSide.tokenize(segment)) {
                served.add(id);
              }
            }
            assertThat(served).as("server tokens of row %s of %s", row.get("query"), layout.get("name").asText())
                .containsExactly(boxed(row.get("tokens")));
          }
        }

        for (HttpScorer.LeaveOneOut mode : HttpScorer.LeaveOneOut.values()) {
          String refOrder = mode == HttpScorer.LeaveOneOut.DIVIDE_AND_CONQUER ? "DIVIDE_AND_CONQUER" : "PLAIN";
          try (HttpScorer scorer = HttpScorer.builder()
              .endpoint(server.url())
              .engine(Engine.LLAMA_CPP)
              .layout(promptLayout)
              .tokenizer(local)
              .model(LlamaServerProcess.MODEL_ALIAS)
              .vocabularySize(vocabulary)
              .leaveOneOut(mode)
              .maxInFlight(1)
              .build()) {
            ScoreResult result = scorer.scoreLeaveOneOut(BINARY, labelled);
            double here = 0;
            for (JsonNode row : layout.get("orders").get(refOrder)) {
              int i = row.get("query").asInt();
              for (int k = 0; k < BINARY.size(); k++) {
                double expected = row.get("logprobs").get(k).asDouble();
                assertThat(result.row(i)[k]).as("%s %s %s %s row %d label %d", fixture, file, layout.get("name").asText(), mode, i, k)
                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(TOLERANCE));
                here = Math.max(here, Math.abs(result.row(i)[k] - expected));
              }
            }
            System.out.printf("%s %s %s %s: max |label log-prob difference| vs reference.json = %.2e%n",
                fixture, file, layout.get("name").asText(), mode, here);
            worst = Math.max(worst, here);
          }
        }
      }
      System.out.printf("%s %s: max |label log-prob difference| over all layouts and orders = %.2e%n", fixture, file, worst);
    }
  }

  /**
   * A reference row's text as the scorers encode it, segment by segment: each context example's
   * {@code prompt + verbalizer + separator}, then the query's prompt. (Encoded as one text, a
   * separator "\n\n" before "Claim" would split differently: GPT-2's pre-tokenizer keeps the last
   * whitespace character with the word after it.)
   */
  private static List<String> rowSegments(JsonNode ref, JsonNode layout, JsonNode row) {
    List<String> segments = new ArrayList<>();
    JsonNode examples = ref.get("examples");
    for (JsonNode j : row.get("context")) {
      JsonNode e = examples.get(j.asInt());
      segments.add(e.get("prompt").asText() + layout.get("verbalizers").get(e.get("label").asText()).asText()
          + layout.get("separator").asText());
    }
    segments.add(examples.get(row.get("query").asInt()).get("prompt").asText());
    return segments;
  }

  private static Integer[] boxed(JsonNode array) {
    Integer[] out = new Integer[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  private static PromptLayout promptLayout(JsonNode layout) {
    Map<String, String> verbalizers = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : layout.get("verbalizers").properties()) {
      verbalizers.put(e.getKey(), e.getValue().asText());
    }
    return new PromptLayout(verbalizers, layout.get("separator").asText());
  }

  private static List<LabelledExample> labelled(JsonNode ref) {
    List<LabelledExample> out = new ArrayList<>();
    for (JsonNode e : ref.get("examples")) {
      out.add(new LabelledExample(Example.of(e.get("id").asText(), e.get("prompt").asText()), e.get("label").asText()));
    }
    return out;
  }

  private static JsonNode read(Path file) {
    try {
      return new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " (run from icm-examples: fixtures are at ../fixtures/arch)", e);
    }
  }
}
