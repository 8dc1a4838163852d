package org.icm4j.onnx;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelledExample;
import org.icm4j.text.PromptLayout;
import org.icm4j.text.Tokenizer;

/** The architecture fixtures of scripts/make-arch-fixtures.py, as the tests read them. */
final class Fixtures {
  static final Path ARCH = Path.of("../fixtures/arch");

  private Fixtures() {}

  /** The fixture's tokenizer.json through DJL's Hugging Face tokenizer (test only). */
  static Tokenizer tokenizer(String arch) {
    try {
      HuggingFaceTokenizer hf =
          HuggingFaceTokenizer.newInstance(
              ARCH.resolve(arch).resolve("tokenizer.json"),
              Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
      return new Tokenizer() {
        @Override
        public long[] encode(String text) {
          return hf.encode(text, false, false).getIds();
        }

        @Override
        public String toString() {
          return "huggingFace(" + arch + "/tokenizer.json)";
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode reference(String arch) {
    try {
      return new ObjectMapper().readTree(ARCH.resolve(arch).resolve("reference.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode layout(JsonNode reference, String name) {
    for (JsonNode l : reference.get("layouts")) {
      if (l.get("name").asText().equals(name)) {
        return l;
      }
    }
    throw new IllegalArgumentException("no layout " + name);
  }

  static PromptLayout promptLayout(JsonNode layout) {
    Map<String, String> verbalizers = new HashMap<>();
    layout.get("verbalizers").fields().forEachRemaining(e -> verbalizers.put(e.getKey(), e.getValue().asText()));
    return new PromptLayout(verbalizers, layout.get("separator").asText());
  }

  static List<LabelledExample> labelled(JsonNode reference) {
    List<LabelledExample> out = new ArrayList<>();
    for (JsonNode e : reference.get("examples")) {
      out.add(new LabelledExample(Example.of(e.get("id").asText(), e.get("prompt").asText()), e.get("label").asText()));
    }
    return out;
  }

  static OnnxScorer scorer(String arch, String file, PromptLayout layout, org.icm4j.text.LeaveOneOutOrder order) {
    return OnnxScorer.builder()
        .model(ARCH.resolve(arch).resolve("onnx").resolve(file))
        .tokenizer(tokenizer(arch))
        .layout(layout)
        .leaveOneOut(order)
        .build();
  }
}
