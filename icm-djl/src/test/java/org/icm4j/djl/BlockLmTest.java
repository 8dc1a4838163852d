package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.icm4j.IcmException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockLmTest {

  private static final GptConfig CONFIG = new GptConfig(32, 48, 2, 2, 32, 64, 42L);

  private static BlockLm lm;

  @BeforeAll
  static void createModel() {
    lm = BlockLm.create(CONFIG, Device.cpu());
  }

  @AfterAll
  static void closeModel() {
    lm.close();
  }

  private static long[] tokens(long seed, int length) {
    Random random = new Random(seed);
    long[] t = new long[length];
    for (int i = 0; i < length; i++) {
      t[i] = random.nextInt(CONFIG.vocabularySize());
    }
    return t;
  }

  @Test
  void describesItself() {
    assertThat(lm.vocabularySize()).isEqualTo(32);
    assertThat(lm.maxLength()).isEqualTo(48);
    assertThat(lm.reusesKeysAndValues()).isTrue();
    assertThat(lm.config()).isEqualTo(CONFIG);
    assertThat(lm.model().getBlock()).isSameAs(lm.block());
  }

  @Test
  void forward_returnsLogitsPerTokenAndAKeyValueCache() {
    try (NDManager m = NDManager.newBaseManager()) {
      CausalLm.Step step = lm.forward(m, new long[] {1, 2, 3, 4, 5}, null);
      assertThat(step.logits().getShape()).isEqualTo(new Shape(5, 32));
      assertThat(step.cache().length()).isEqualTo(5);
      assertThat(step.cache().arrays()).hasSize(4);
      for (NDArray a : step.cache().arrays()) {
        assertThat(a.getShape()).isEqualTo(new Shape(1, 2, 5, 16));
        assertThat(a.getManager()).isSameAs(m);
      }
      assertThat(step.logits().getManager()).isSameAs(m);
      assertThat(step.logits().hasGradient()).isFalse();
    }
  }

  @Test
  void forward_inChunksEqualsOneForward_andACacheCanBeExtendedTwice() {
    long[] sequence = tokens(1, 30);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray full = lm.forward(m, sequence, null).logits();
      CausalLm.Step a = lm.forward(m, Arrays.copyOfRange(sequence, 0, 10), null);
      CausalLm.Step b = lm.forward(m, Arrays.copyOfRange(sequence, 10, 11), a.cache());
      CausalLm.Step c = lm.forward(m, Arrays.copyOfRange(sequence, 11, 30), b.cache());
      NDArray chunked = NDArrays.concat(new NDList(a.logits(), b.logits(), c.logits()), 0);
      assertThat(chunked.sub(full).abs().max().getFloat()).isLessThan(1e-5f);

      // The same cache extended a second way still gives the full forward's rows.
      CausalLm.Step again = lm.forward(m, Arrays.copyOfRange(sequence, 10, 30), a.cache());
      assertThat(again.logits().sub(full.get("10:")).abs().max().getFloat()).isLessThan(1e-5f);
      assertThat(again.cache().length()).isEqualTo(30);
    }
  }

  @Test
  void forward_rejectsContextsLongerThanMaxLength_namingBothNumbersAndTheRemedy() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> lm.forward(m, new long[49], null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("49")
          .hasMessageContaining("48")
          .hasMessageContaining("use a smaller batch (Icm.Builder.batchSize)");
      CausalLm.Step step = lm.forward(m, new long[40], null);
      assertThatThrownBy(() -> lm.forward(m, new long[9], step.cache()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("49 tokens (40 cached + 9 new)")
          .hasMessageContaining("maxLength of 48");
      assertThat(lm.forward(m, new long[8], step.cache()).cache().length()).isEqualTo(48);
    }
  }

  @Test
  void forward_rejectsBadTokens() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> lm.forward(m, new long[0], null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least one token");
      assertThatThrownBy(() -> lm.forward(m, new long[] {1, 32}, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("token id 32 at index 1")
          .hasMessageContaining("[0, 32)");
    }
  }

  @Test
  void forward_rejectsACacheFromAnotherModel() {
    try (NDManager m = NDManager.newBaseManager()) {
      KvCache tokenCache = new KvCache(new NDList(m.create(new long[] {1, 2})), 2);
      assertThatThrownBy(() -> lm.forward(m, new long[] {3}, tokenCache))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("another model");
    }
  }

  @Test
  void forward_leaksNothing_intoTheModelOrTheCallersManager() {
    NDManager modelManager = lm.model().getNDManager();
    int before = modelManager.getManagedArrays().size();
    try (NDManager caller = NDManager.newBaseManager()) {
      KvCache prefix = lm.forward(caller, tokens(2, 20), null).cache();
      int callerBefore = caller.getManagedArrays().size();
      for (int i = 0; i < 200; i++) {
        try (NDManager call = caller.newSubManager()) {
          CausalLm.Step step = lm.forward(call, new long[] {i % 32, (i + 1) % 32}, prefix);
          // Exactly the returned arrays are added to the caller's manager.
          assertThat(call.getManagedArrays()).hasSize(1 + 2 * CONFIG.layers());
          step.logits().getFloat(1, 3);
        }
        assertThat(modelManager.getManagedArrays()).hasSize(before);
      }
      assertThat(caller.getManagedArrays()).hasSize(callerBefore);
    }
    assertThat(modelManager.getManagedArrays()).hasSize(before);
  }

  @Test
  void saveAndLoad_giveIdenticalLogits(@TempDir Path dir) throws Exception {
    long[] sequence = tokens(3, 12);
    lm.save(dir);
    lm.save(dir); // saving again replaces the files
    assertThat(dir.resolve(BlockLm.CONFIG_FILE)).exists();
    assertThat(dir.resolve(BlockLm.PARAMETERS_FILE)).exists();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).hasSize(2);
    }
    String json = Files.readString(dir.resolve(BlockLm.CONFIG_FILE), StandardCharsets.UTF_8);
    assertThat(json).contains("\"seed\": 42").contains("\"mlpHidden\": 64");
    try (BlockLm loaded = BlockLm.load(dir, Device.cpu());
        NDManager m = NDManager.newBaseManager()) {
      assertThat(loaded.config()).isEqualTo(CONFIG);
      NDArray expected = lm.forward(m, sequence, null).logits();
      NDArray actual = loaded.forward(m, sequence, null).logits();
      assertThat(actual.contentEquals(expected)).isTrue();
    }
  }

  @Test
  void load_failsWithAMessageNamingTheMissingFile(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> BlockLm.load(dir, Device.cpu()))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining(BlockLm.CONFIG_FILE)
        .hasMessageContaining("BlockLm.save");
    Files.writeString(dir.resolve(BlockLm.CONFIG_FILE), BlockLm.configJson(CONFIG));
    assertThatThrownBy(() -> BlockLm.load(dir, Device.cpu()))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining(BlockLm.PARAMETERS_FILE);
    Files.writeString(dir.resolve(BlockLm.CONFIG_FILE), "{\"format\": \"icm4j-gpt\"}");
    assertThatThrownBy(() -> BlockLm.load(dir, Device.cpu()))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("formatVersion");
  }

  @Test
  void create_sameSeedGivesIdenticalLogits_differentSeedDifferent() {
    long[] sequence = tokens(4, 10);
    try (BlockLm same = BlockLm.create(CONFIG, Device.cpu());
        BlockLm other = BlockLm.create(CONFIG.withSeed(43L), Device.cpu());
        NDManager m = NDManager.newBaseManager()) {
      NDArray reference = lm.forward(m, sequence, null).logits();
      assertThat(same.forward(m, sequence, null).logits().contentEquals(reference)).isTrue();
      NDArray different = other.forward(m, sequence, null).logits();
      assertThat(different.sub(reference).abs().max().getFloat()).isGreaterThan(1e-3f);
    }
  }

  @Test
  void close_releasesTheModel_andLaterCallsFail() {
    BlockLm closing = BlockLm.create(CONFIG.withSeed(5L), Device.cpu());
    NDManager modelManager = closing.model().getNDManager();
    try (NDManager m = NDManager.newBaseManager()) {
      CausalLm.Step step = closing.forward(m, new long[] {1, 2}, null);
      closing.close();
      closing.close();
      assertThat(modelManager.isOpen()).isFalse();
      assertThat(step.logits().getShape()).isEqualTo(new Shape(2, 32)); // still the caller's
      assertThatThrownBy(() -> closing.forward(m, new long[] {1}, null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
  }
}
