package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.djl.TorchScriptLm;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;
import org.icm4j.testing.FineTunerContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorchScriptFineTuner} on icm-djl's traced test model (a 2-layer GPT-2 with random
 * weights, {@code fixtures/gpt2-plain}) and its byte-level BPE tokenizer: the shared fine-tuner
 * contract, and what it writes.
 */
class TorchScriptFineTunerTest {
  private static Path fixtures;
  private static TextTokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    fixtures = Path.of(TorchScriptFineTunerTest.class.getResource("/fixtures").toURI());
    tokenizer = TextTokenizer.huggingFace(fixtures.resolve("tokenizer.json"));
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  /** "Claim A" .. : the last byte names the item; pairs (A, B), (C, D), ...; True for A, C, E ... */
  static List<Example> claims(int n) {
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Example(String.format("c%02d", i), "Claim " + (char) ('A' + i), "g" + i / 2, Map.of()));
    }
    return out;
  }

  static Labeling alternate(List<Example> examples) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < examples.size(); i++) {
      m.put(examples.get(i).id(), i % 2 == 0 ? "True" : "False");
    }
    return new Labeling(LabelSpace.binary(), m, new HashSet<>());
  }

  static FineTuneOptions options() {
    return FineTuneOptions.defaults()
        .withMaxEpochs(12)
        .withBatchSize(4)
        .withLearningRate(1e-2, 1e-3)
        .withWarmupSteps(2)
        .withValidation(0, 1);
  }

  static TorchScriptFineTuner.Builder tuner() {
    return TorchScriptFineTuner.builder().base(fixtures.resolve("gpt2-plain")).tokenizer(tokenizer).options(options());
  }

  @Nested
  class Contract extends FineTunerContract {
    @Override
    protected FineTuner fineTuner() {
      return tuner().build();
    }

    @Override
    protected List<Example> examples() {
      return claims(12);
    }

    @Override
    protected Labeling labels() {
      return alternate(examples());
    }

    @Override
    protected List<Example> unlabelledExtras() {
      return claims(16).subList(12, 16);
    }

    @Override
    protected double tolerance() {
      return 1e-5;
    }
  }

  @Test
  void fineTune_writesATorchScriptDirectoryTheScorerLoads_andLeavesTheBaseFileAlone(@TempDir Path out)
      throws Exception {
    Path baseFile = fixtures.resolve("gpt2-plain/gpt2-plain.pt");
    byte[] before = Files.readAllBytes(baseFile);
    List<Example> claims = claims(12);
    try (TorchScriptFineTuner t = tuner().outputDirectory(out).build();
        FineTunedModel model = t.fineTune(new FineTuneRequest(3, claims, alternate(claims), 7))) {
      Path dir = out.resolve("round-03");
      assertThat(model.details()).containsEntry("directory", dir.toString()).containsEntry("epochs", "12");
      assertThat(dir.resolve(TorchScriptFineTuner.MODEL_FILE)).exists();
      assertThat(dir.resolve("icm4j-torchscript.json")).exists();
      assertThat(dir.resolve(BlockLmFineTuner.REPORT_FILE)).exists();
      List<ScoreRequest> zeroShot = claims.stream().map(e -> new ScoreRequest(e, List.of())).toList();
      double[] tuned = model.scorer().score(LabelSpace.binary(), zeroShot).row(0);
      try (TorchScriptLm reloaded = TorchScriptLm.builder(dir).modelFile(TorchScriptFineTuner.MODEL_FILE).build();
          TorchScriptLm base = TorchScriptLm.load(fixtures.resolve("gpt2-plain"));
          org.icm4j.djl.DjlScorer a = org.icm4j.djl.DjlScorer.builder().model(reloaded).tokenizer(tokenizer).ownsResources(false).build();
          org.icm4j.djl.DjlScorer b = org.icm4j.djl.DjlScorer.builder().model(base).tokenizer(tokenizer).ownsResources(false).build()) {
        assertThat(a.score(LabelSpace.binary(), zeroShot).row(0)).containsExactly(tuned, org.assertj.core.api.Assertions.within(1e-6));
        // the reloaded directory is the trained model, not the base
        assertThat(b.score(LabelSpace.binary(), zeroShot).row(0)).isNotEqualTo(tuned);
      }
    }
    assertThat(Files.readAllBytes(baseFile)).isEqualTo(before);
  }

  @Test
  void fineTune_withoutAnOutputDirectory_deletesItsTemporaryCopyOnClose() {
    List<Example> claims = claims(8);
    FineTunedModel model = tuner().options(options().withMaxEpochs(1)).build().fineTune(FineTuneRequest.of(claims, alternate(claims), 1));
    assertThat(model.details()).doesNotContainKey("directory");
    model.close();
    model.close();
  }

  @Test
  void build_refusesATraceWithThePastKeyValuesInterface() {
    assertThatThrownBy(() -> TorchScriptFineTuner.builder().base(fixtures.resolve("gpt2-kv")).tokenizer(tokenizer).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has the \"gpt2-past-key-values\" interface")
        .hasMessageContaining("trace the model once more with that interface");
  }
}
