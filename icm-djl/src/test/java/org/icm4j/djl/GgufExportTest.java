package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.icm4j.IcmException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufExportTest {

  private static final List<String> WORDS =
      List.of("<pad>", "\n", ":", "True", "False", "e1", "e12", "e2", "red", "colour", "12");
  private static final GptConfig CONFIG = new GptConfig(WORDS.size(), 24, 2, 2, 16, 40, 5L);
  private static BlockLm lm;

  @BeforeAll
  static void createModelWithNonTrivialWeights() {
    lm = BlockLm.create(CONFIG, Device.cpu());
    // Every parameter random (also LayerNorm scales and biases), so that a tensor in the wrong
    // place or orientation changes the logits far beyond float rounding.
    Random random = new Random(11);
    for (Pair<String, Parameter> p : lm.block().getParameters()) {
      float[] v = new float[Math.toIntExact(p.getValue().getArray().size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (random.nextGaussian() * 0.4);
      }
      p.getValue().getArray().set(v);
    }
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  private static Path export(Path dir) {
    Path file = dir.resolve("model.gguf");
    GgufExport.write(lm, GgufVocabulary.words(WORDS, 0), "test-model", file);
    return file;
  }

  @Test
  void write_readsBackWithTheGpt2MetadataAndTheVocabulary(@TempDir Path dir) {
    GgufFile file = GgufFile.read(export(dir));

    assertThat(file.version()).isEqualTo(3);
    Map<String, Object> m = file.metadata();
    assertThat(m).containsEntry("general.architecture", "gpt2")
        .containsEntry("general.name", "test-model")
        .containsEntry("gpt2.context_length", 24L)
        .containsEntry("gpt2.embedding_length", 16L)
        .containsEntry("gpt2.block_count", 2L)
        .containsEntry("gpt2.feed_forward_length", 40L)
        .containsEntry("gpt2.attention.head_count", 2L)
        .containsEntry("gpt2.attention.layer_norm_epsilon", 1e-5f)
        .containsEntry("tokenizer.ggml.model", "gpt2")
        .containsEntry("tokenizer.ggml.pre", "whitespace")
        .containsEntry("tokenizer.ggml.tokens", WORDS)
        .containsEntry("tokenizer.ggml.bos_token_id", 0L)
        .containsEntry("tokenizer.ggml.add_bos_token", false);
    assertThat(m.get("tokenizer.ggml.token_type"))
        .isEqualTo(List.of(3L, 4L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L));
  }

  @Test
  void write_storesEachParameterUnderItsGgufNameWithRowLengthFirst(@TempDir Path dir) {
    GgufFile file = GgufFile.read(export(dir));
    Map<String, float[]> params = new HashMap<>();
    for (Pair<String, Parameter> p : lm.block().getParameters()) {
      params.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }

    assertThat(file.tensors()).hasSize(2 + 12 * 2 + 2).doesNotContainKey("output.weight");
    assertThat(file.tensors().get("token_embd.weight").dims()).containsExactly(16L, (long) WORDS.size());
    assertThat(file.tensors().get("blk.1.attn_qkv.weight").dims()).containsExactly(16L, 48L);
    assertThat(file.tensors().get("blk.0.ffn_up.weight").dims()).containsExactly(16L, 40L);
    assertThat(file.tensors().get("blk.0.ffn_down.weight").dims()).containsExactly(40L, 16L);
    assertThat(file.floats("token_embd.weight")).containsExactly(params.get("token_embedding"));
    assertThat(file.floats("blk.1.attn_qkv.weight")).containsExactly(params.get("layer1_attention_qkv_weight"));
    assertThat(file.floats("blk.0.ffn_down.bias")).containsExactly(params.get("layer0_mlp_out_bias"));
    assertThat(file.floats("output_norm.weight")).containsExactly(params.get("final_ln_gamma"));
    for (GgufFile.TensorInfo t : file.tensors().values()) {
      assertThat(t.offset() % 32).as("offset of %s", t.name()).isZero();
    }
  }

  @Test
  void reference_withExactGeluGivesTheBlockLmLogits(@TempDir Path dir) {
    GgufReference reference = new GgufReference(GgufFile.read(export(dir)), GgufReference.Gelu.ERF);
    long[] tokens = {5, 8, 9, 2, 3, 1, 6, 9, 10, 2, 4, 1, 7};

    try (NDManager manager = NDManager.newBaseManager()) {
      float[] logits = lm.forward(manager, tokens, null).logits().toFloatArray();
      for (int len : new int[] {1, 4, tokens.length}) {
        int[] prefix = Arrays.stream(Arrays.copyOf(tokens, len)).mapToInt(x -> (int) x).toArray();
        double[] ref = reference.nextTokenLogProbs(prefix);
        double[] djl = logSoftmax(Arrays.copyOfRange(logits, (len - 1) * WORDS.size(), len * WORDS.size()));
        assertThat(ref).as("log-probs after %s tokens", len).containsExactly(djl, within(1e-4));
      }
    }
  }

  @Test
  void reference_withGgmlGeluDiffersFromExactGeluByFp16Rounding(@TempDir Path dir) {
    GgufFile file = GgufFile.read(export(dir));
    int[] tokens = {5, 8, 9, 2, 3, 1, 6};
    double[] exact = new GgufReference(file, GgufReference.Gelu.ERF).nextTokenLogProbs(tokens);
    double[] ggml = new GgufReference(file, GgufReference.Gelu.GGML).nextTokenLogProbs(tokens);

    double max = 0;
    for (int i = 0; i < exact.length; i++) {
      max = Math.max(max, Math.abs(exact[i] - ggml[i]));
    }
    assertThat(max).isGreaterThan(1e-5).isLessThan(0.1);
  }

  @Test
  void fp16_roundsToNearestEven() {
    assertThat(GgufReference.Fp16.toHalf(1.0f)).isEqualTo((short) 0x3c00);
    assertThat(GgufReference.Fp16.toHalf(-2.0f)).isEqualTo((short) 0xc000);
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to the even one, 1.
    assertThat(GgufReference.Fp16.toHalf(1.0f + 0x1p-11f)).isEqualTo((short) 0x3c00);
    assertThat(GgufReference.Fp16.toHalf(1.0f + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02);
    assertThat(GgufReference.Fp16.toHalf(65520f)).isEqualTo((short) 0x7c00);
    assertThat(GgufReference.Fp16.toHalf(0x1p-24f)).isEqualTo((short) 0x0001);
    assertThat(GgufReference.Fp16.toFloat(0x3555)).isEqualTo(0.333251953125f);
    assertThat(GgufReference.Fp16.toFloat(0x0001)).isEqualTo(0x1p-24f);
  }

  @Test
  void erf_matchesKnownValues() {
    assertThat(GgufReference.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-13));
    assertThat(GgufReference.erf(-1.7)).isCloseTo(-0.9837904585907746, within(1e-13));
    assertThat(GgufReference.erf(3.5)).isCloseTo(0.9999992569016276, within(1e-13));
  }

  @Test
  void words_letBpeMergeEveryWordIntoOneToken() {
    GgufVocabulary v = GgufVocabulary.words(WORDS, 0);
    Map<String, Integer> ranks = new HashMap<>();
    for (int i = 0; i < v.merges().size(); i++) {
      ranks.putIfAbsent(v.merges().get(i), i);
    }
    for (String w : WORDS.subList(2, WORDS.size())) {
      assertThat(bpe(w, ranks)).as("BPE of '%s' with the exported merges", w).containsExactly(w);
    }
  }

  /** GPT-2's BPE: repeatedly merge the adjacent pair of lowest rank. */
  private static List<String> bpe(String word, Map<String, Integer> ranks) {
    List<String> s = new ArrayList<>();
    word.codePoints().forEach(c -> s.add(new String(Character.toChars(c))));
    while (s.size() > 1) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < s.size(); i++) {
        Integer r = ranks.get(s.get(i) + " " + s.get(i + 1));
        if (r != null && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      s.set(best, s.get(best) + s.remove(best + 1));
    }
    return s;
  }

  @Test
  void words_rejectsAWordWithASpace() {
    assertThatThrownBy(() -> GgufVocabulary.words(List.of("<pad>", "two words"), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'two words'");
  }

  @Test
  void write_rejectsAVocabularyOfAnotherSize(@TempDir Path dir) {
    assertThatThrownBy(() -> GgufExport.write(lm, GgufVocabulary.words(WORDS.subList(0, 5), 0), "m", dir.resolve("x.gguf")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("5 tokens but the model 11");
    assertThat(dir.resolve("x.gguf")).doesNotExist();
  }

  @Test
  void huggingFaceBpe_takesTheFixtureTokenizersVocabularyAndMerges() {
    GgufVocabulary v = GgufVocabulary.huggingFaceBpe(Path.of("src/test/resources/fixtures/tokenizer.json"));

    assertThat(v.size()).isEqualTo(276);
    assertThat(v.preTokenizer()).isEqualTo("gpt-2");
    assertThat(v.tokens().get(265)).isEqualTo("ĠTrue");
    assertThat(v.merges()).hasSize(20).startsWith("Ġ T");
  }

  @Test
  void read_rejectsATruncatedFileNamingIt(@TempDir Path dir) throws IOException {
    Path file = export(dir);
    byte[] bytes = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.gguf");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));

    assertThatThrownBy(() -> GgufFile.read(cut))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("cut.gguf")
        .hasMessageContaining("cut short");
  }

  private static double[] logSoftmax(float[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (float x : v) {
      max = Math.max(max, x);
    }
    double z = 0;
    for (float x : v) {
      z += Math.exp(x - max);
    }
    double log = max + Math.log(z);
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] - log;
    }
    return out;
  }
}
