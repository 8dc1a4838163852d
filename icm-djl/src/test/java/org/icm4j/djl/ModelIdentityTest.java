package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.spi.ModelDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DjlScorer#identity()} and the models' {@link CausalLm#identity()}. */
class ModelIdentityTest {

  private static final Path FIXTURES = ModelScorerContractTest.FIXTURES;

  @Test
  void torchScript_theSameModelLoadedTwiceIsTheSame_anotherModelIsNot() {
    try (DjlScorer kv = ModelScorerContractTest.torchScript("gpt2-kv", DjlScorer.LeaveOneOut.PLAIN);
        DjlScorer kvAgain = ModelScorerContractTest.torchScript("gpt2-kv", DjlScorer.LeaveOneOut.PLAIN);
        DjlScorer plain = ModelScorerContractTest.torchScript("gpt2-plain", DjlScorer.LeaveOneOut.PLAIN)) {
      assertThat(kv.identity()).isEqualTo(kvAgain.identity())
          .containsOnlyKeys("modelDigest", "vocabularySize")
          .containsEntry("vocabularySize", "276"); // config.json: vocab_size
      assertThat(kv.identity().get("modelDigest")).matches("[0-9a-f]{32}");
      assertThat(kv.identity().get("modelDigest")).isNotEqualTo(plain.identity().get("modelDigest"));
    }
  }

  @Test
  void torchScript_copiedElsewhereIsTheSame_withAnotherConfigIsNot(@TempDir Path dir) throws IOException {
    Path copy = dir.resolve("gpt2-kv");
    Files.createDirectories(copy);
    for (String f : List.of("gpt2-kv.pt", "icm4j-torchscript.json")) {
      Files.copy(FIXTURES.resolve("gpt2-kv").resolve(f), copy.resolve(f));
    }
    String original;
    try (TorchScriptLm lm = TorchScriptLm.load(FIXTURES.resolve("gpt2-kv"))) {
      original = lm.identity().get("modelDigest");
    }
    try (TorchScriptLm lm = TorchScriptLm.load(copy)) {
      assertThat(lm.identity()).containsEntry("modelDigest", original);
    }
    Files.writeString(copy.resolve("icm4j-torchscript.json"), "\n", StandardOpenOption.APPEND);
    try (TorchScriptLm lm = TorchScriptLm.load(copy)) {
      assertThat(lm.identity().get("modelDigest")).isNotEqualTo(original);
    }
  }

  @Test
  void blockLm_savedAndLoadedTwiceIsTheSame_anotherSeedOrAChangedWeightIsNot(@TempDir Path dir) {
    GptConfig config = new GptConfig(32, 48, 2, 2, 32, 64, 42L);
    try (BlockLm lm = BlockLm.create(config, Device.cpu());
        BlockLm other = BlockLm.create(config.withSeed(43L), Device.cpu())) {
      Map<String, String> id = lm.identity();
      assertThat(id.get("parametersDigest")).matches("[0-9a-f]{32}");
      assertThat(other.identity()).isNotEqualTo(id);

      lm.save(dir);
      try (BlockLm a = BlockLm.load(dir, Device.cpu());
          BlockLm b = BlockLm.load(dir, Device.cpu())) {
        assertThat(a.identity()).isEqualTo(id).isEqualTo(b.identity());
      }

      Pair<String, Parameter> first = lm.block().getParameters().get(0);
      NDArray weights = first.getValue().getArray();
      weights.addi(1e-3f); // a training step, in memory
      assertThat(lm.identity()).as("after changing %s", first.getKey()).isNotEqualTo(id);
    }
  }

  @Test
  void blockScorer_namesTheParametersAndTheVocabulary() {
    try (DjlScorer s = ModelScorerContractTest.block(DjlScorer.LeaveOneOut.PLAIN)) {
      assertThat(s.identity()).containsOnlyKeys("parametersDigest", "vocabularySize")
          .containsEntry("vocabularySize", "276");
    }
  }

  @Test
  void fileDigest_readsBothEndsAndTheSizeOfALargeFile(@TempDir Path dir) throws IOException {
    byte[] bytes = new byte[3 * ModelDigest.EDGE + 17];
    new SplittableRandom(7).nextBytes(bytes);
    Path file = dir.resolve("model.bin");
    Files.write(file, bytes);
    String digest = ModelDigest.ofFiles(List.of(file));

    Path elsewhere = dir.resolve("copy.bin");
    Files.write(elsewhere, bytes);
    assertThat(ModelDigest.ofFiles(List.of(elsewhere))).as("same bytes elsewhere").isEqualTo(digest);
    for (int at : new int[] {0, ModelDigest.EDGE - 1, bytes.length - ModelDigest.EDGE, bytes.length - 1}) {
      byte[] changed = bytes.clone();
      changed[at] ^= 1;
      Files.write(file, changed);
      assertThat(ModelDigest.ofFiles(List.of(file))).as("byte %s changed", at).isNotEqualTo(digest);
    }
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length + 1));
    assertThat(ModelDigest.ofFiles(List.of(file))).as("one byte longer").isNotEqualTo(digest);
  }
}
