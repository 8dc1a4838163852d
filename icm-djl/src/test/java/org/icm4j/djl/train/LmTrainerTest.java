package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.icm4j.IcmException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.icm4j.djl.train.LmTrainer.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmTrainerTest {

  /** Repeats 0 1 2 ... 7 from a random phase: the next token is always determined. */
  static final class PatternCorpus implements Corpus {
    @Override
    public int vocabularySize() {
      return 16;
    }

    @Override
    public long[] window(SplittableRandom rng, int length) {
      int phase = rng.nextInt(8);
      long[] w = new long[length];
      for (int i = 0; i < length; i++) {
        w[i] = (phase + i) % 8;
      }
      return w;
    }
  }

  static final GptConfig TINY = new GptConfig(16, 32, 1, 2, 16, 32, 7L);

  static TrainingOptions options(int steps, int checkpointEvery) {
    return new TrainingOptions(steps, 4, 32, 1e-2, 2, 1e-3, 1.0, 11L, 1, checkpointEvery);
  }

  @Test
  void grow_addsLayersThatStartAsTheIdentity_thenTrainFromTheSourceWeights(@TempDir Path dir) {
    long[] tokens = {3, 4, 5, 6, 7, 0, 1};
    try (LmTrainer source = LmTrainer.open(dir.resolve("a"), TINY, new PatternCorpus(), options(20, 0))) {
      source.train(p -> {});
      try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
        float[] before = source.model().forward(m, tokens, null).logits().toFloatArray();
        BlockLm grown = ModelCopies.grow(source.model(), 3);
        assertThat(grown.config().layers()).isEqualTo(3);
        float[] after = grown.forward(m, tokens, null).logits().toFloatArray();
        assertThat(after).containsExactly(before, within(1e-5f));
        try (LmTrainer trainer = LmTrainer.start(dir.resolve("b"), grown, new PatternCorpus(), options(3, 0))) {
          assertThat(trainer.step()).isZero();
          trainer.train(p -> {});
          // training moves the new layers away from the identity
          float[] trained = trainer.model().forward(m, tokens, null).logits().toFloatArray();
          assertThat(trained).isNotEqualTo(before);
        }
      }
      assertThatThrownBy(() -> ModelCopies.grow(source.model(), 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("1 layers cannot be grown to 0 layers");
      assertThatThrownBy(
              () -> LmTrainer.start(dir.resolve("b"), ModelCopies.grow(source.model(), 2), new PatternCorpus(), options(3, 0)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("already holds a checkpoint");
    }
  }

  @Test
  void train_lowersTheLossOnARepeatingPattern(@TempDir Path dir) {
    List<Progress> seen = new ArrayList<>();
    try (LmTrainer trainer = LmTrainer.open(dir, TINY, new PatternCorpus(), options(40, 0))) {
      LmTrainer.Result result = trainer.train(seen::add);
      assertThat(result.step()).isEqualTo(40);
      assertThat(result.tokensPerSecond()).isPositive();
    }
    assertThat(seen).hasSize(40);
    // Measured (deterministic): 2.760 at step 1 (ln 16 = 2.77), 1.57 at step 10, 0.79 at step 20,
    // 0.41 at step 40.
    assertThat(seen.get(0).loss()).isGreaterThan(2.5);
    assertThat(seen.get(39).loss()).isLessThan(0.6);
    assertThat(seen.get(39).learningRate()).isCloseTo(1e-3, within(1e-12));
    assertThat(dir.resolve(LmTrainer.LOG_FILE)).exists();
    assertThat(dir.resolve(BlockLm.PARAMETERS_FILE)).exists();
  }

  @Test
  void resume_givesTheSameWeightsAsTheUninterruptedRun(@TempDir Path tmp) throws Exception {
    Path whole = tmp.resolve("whole");
    Path split = tmp.resolve("split");
    float[] expected;
    try (LmTrainer trainer = LmTrainer.open(whole, TINY, new PatternCorpus(), options(6, 0))) {
      trainer.train(p -> {});
      expected = weights(trainer.model());
    }
    try (LmTrainer trainer = LmTrainer.open(split, TINY, new PatternCorpus(), options(6, 0))) {
      trainer.run(3, p -> {});
    }
    assertThat(LmTrainer.hasCheckpoint(split)).isTrue();
    try (LmTrainer trainer = LmTrainer.open(split, TINY, new PatternCorpus(), options(6, 0))) {
      assertThat(trainer.step()).isEqualTo(3);
      trainer.train(p -> {});
      assertThat(trainer.step()).isEqualTo(6);
      assertThat(weights(trainer.model())).containsExactly(expected);
    }
    assertThat(Files.readAllLines(split.resolve(LmTrainer.LOG_FILE)))
        .anyMatch(l -> l.startsWith("# resume step=3"))
        .anyMatch(l -> l.matches("step=6 loss=\\d+\\.\\d{6} tokens_per_s=\\d+ lr=.* elapsed_s=.*"));
  }

  @Test
  void resume_rejectsAnotherSeed(@TempDir Path dir) {
    try (LmTrainer trainer = LmTrainer.open(dir, TINY, new PatternCorpus(), options(2, 0))) {
      trainer.run(1, p -> {});
    }
    TrainingOptions other = new TrainingOptions(2, 4, 32, 1e-2, 2, 1e-3, 1.0, 12L, 1, 0);
    assertThatThrownBy(() -> LmTrainer.open(dir, TINY, new PatternCorpus(), other))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("seed 11")
        .hasMessageContaining("give 12");
  }

  @Test
  void steps_doNotGrowTheModelsManager(@TempDir Path dir) {
    try (LmTrainer trainer = LmTrainer.open(dir, TINY, new PatternCorpus(), options(6, 0))) {
      trainer.run(1, p -> {});
      int before = trainer.model().model().getNDManager().getManagedArrays().size();
      trainer.run(5, p -> {});
      int after = trainer.model().model().getNDManager().getManagedArrays().size();
      assertThat(after).isEqualTo(before);
    }
  }

  @Test
  void options_rejectBadValuesNamingThem() {
    assertThatThrownBy(() -> new TrainingOptions(0, 4, 32, 1e-2, 0, 0, 1, 1, 1, 0))
        .hasMessage("steps must be >= 1, but was 0");
    assertThatThrownBy(() -> new TrainingOptions(5, -1, 32, 1e-2, 0, 0, 1, 1, 1, 0))
        .hasMessage("batchSize must be >= 1, but was -1");
    assertThatThrownBy(() -> new TrainingOptions(5, 4, 32, -3, 0, 0, 1, 1, 1, 0))
        .hasMessage("peakLearningRate must be finite and > 0, but was -3.0");
    assertThatThrownBy(() -> new TrainingOptions(5, 4, 32, 1e-2, 6, 0, 1, 1, 1, 0))
        .hasMessage("warmupSteps must be between 0 and steps (5), but was 6");
    assertThatThrownBy(() -> new TrainingOptions(5, 4, 32, 1e-2, 0, 0.1, 1, 1, 1, 0))
        .hasMessage("finalLearningRate must be between 0 and peakLearningRate (0.01), but was 0.1");
    assertThatThrownBy(() -> new TrainingOptions(5, 4, 32, 1e-2, 0, 0, 0, 1, 1, 0))
        .hasMessageContaining("clipNorm must be > 0")
        .hasMessageContaining("was 0.0");
    assertThatThrownBy(() -> new TrainingOptions(5, 4, 32, 1e-2, 0, 0, 1, 1, 0, 0))
        .hasMessage("logEvery must be >= 1, but was 0");
    assertThatThrownBy(() -> new TrainingOptions(5, 4, 32, 1e-2, 0, 0, 1, 1, 1, -2))
        .hasMessage("checkpointEvery must be >= 0, but was -2");
  }

  @Test
  void open_rejectsAContextLongerThanTheModel(@TempDir Path dir) {
    TrainingOptions tooLong = new TrainingOptions(2, 1, 33, 1e-2, 0, 0, 1, 1, 1, 0);
    assertThatThrownBy(() -> LmTrainer.open(dir, TINY, new PatternCorpus(), tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("context (33) must not exceed the model's maxLength (32)");
  }

  @Test
  void clipGlobalNorm_scalesAllArraysByOneFactor() {
    // Norm = sqrt(3^2 + 4^2 + 12^2) = sqrt(169) = 13; clipped to 6.5, every element halves.
    float[][] g = {{3f, 0f}, {4f}, {-12f}};
    double norm = GradientClipping.clipGlobalNorm(g, 6.5);
    assertThat(norm).isEqualTo(13.0);
    assertThat(g[0]).containsExactly(1.5f, 0f);
    assertThat(g[1]).containsExactly(2f);
    assertThat(g[2]).containsExactly(-6f);
    // Under the limit: unchanged.
    float[][] small = {{0.3f}, {0.4f}};
    assertThat(GradientClipping.clipGlobalNorm(small, 1.0)).isCloseTo(0.5, within(1e-7));
    assertThat(small[0]).containsExactly(0.3f);
    assertThat(small[1]).containsExactly(0.4f);
  }

  @Test
  void learningRate_warmsUpThenDecaysByCosine() {
    WarmupCosine o = new TrainingOptions(11, 1, 1, 1.0, 2, 0.1, 1, 1, 1, 0).schedule();
    assertThat(o.rate(0)).isEqualTo(0.5);
    assertThat(o.rate(1)).isEqualTo(1.0);
    assertThat(o.rate(2)).isEqualTo(1.0);
    // Halfway through the decay (steps 2..10): (1 + 0.1) / 2.
    assertThat(o.rate(6)).isCloseTo(0.55, within(1e-12));
    assertThat(o.rate(10)).isCloseTo(0.1, within(1e-12));
    // DJL's optimizers count updates from 1
    assertThat(o.getNewValue(1)).isEqualTo(0.5f);
    assertThat(o.getNewValue(7)).isCloseTo(0.55f, within(1e-6f));
  }

  @Test
  void denormals_areFlushedDuringATask_andRestoredAfter() {
    int before = Denormals.currentMxcsr();
    org.junit.jupiter.api.Assumptions.assumeTrue(before != -1, "reads MXCSR on Linux x86-64 only");
    Denormals.Flushed<Integer> inside = Denormals.flushed(Denormals::currentMxcsr);
    assertThat(inside.flushed()).isTrue();
    assertThat(inside.value() & 0x8040).isEqualTo(0x8040);
    assertThat(Denormals.currentMxcsr()).isEqualTo(before);
    // a denormal float computed inside the task is flushed to zero
    float[] tiny = {Float.MIN_NORMAL, 4f};
    assertThat(Denormals.flushed(() -> tiny[0] / tiny[1]).value()).isZero();
    assertThat(tiny[0] / tiny[1]).isPositive();
  }

  private static float[] weights(BlockLm lm) {
    List<Float> all = new ArrayList<>();
    for (var p : lm.block().getParameters()) {
      for (float x : p.getValue().getArray().toFloatArray()) {
        all.add(x);
      }
    }
    float[] out = new float[all.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = all.get(i);
    }
    return out;
  }
}
