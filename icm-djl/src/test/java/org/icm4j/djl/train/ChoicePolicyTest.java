package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChoicePolicyTest {
  private static final TextTokenizer TOKENIZER = TinyWorld.tokenizer();

  /** log P(tokens of text | prompt), read token by token with the model's cache. */
  private static double logProbability(BlockLm lm, String prompt, String text) {
    long[] context = TOKENIZER.encode(prompt);
    long[] continuation = TOKENIZER.encode(text);
    try (NDManager m = NDManager.newBaseManager()) {
      long[] all = new long[context.length + continuation.length];
      System.arraycopy(context, 0, all, 0, context.length);
      System.arraycopy(continuation, 0, all, context.length, continuation.length);
      var logits = lm.forward(m, all, null).logits();
      double sum = 0;
      for (int i = context.length; i < all.length; i++) {
        float[] row = logits.get(i - 1).toFloatArray();
        double max = Double.NEGATIVE_INFINITY;
        for (float f : row) {
          max = Math.max(max, f);
        }
        double z = 0;
        for (float f : row) {
          z += Math.exp(f - max);
        }
        sum += row[(int) all[i]] - max - Math.log(z);
      }
      return sum;
    }
  }

  /** A question whose choices have one, two and three tokens. */
  private static ChoiceQuestion uneven() {
    return new ChoiceQuestion(
        "u",
        "a3 :",
        List.of(
            new Choice(" True", Example.of("u1", "a3 True")),
            new Choice(" x a5", Example.of("u2", "a3 x a5")),
            new Choice(" False x a7", Example.of("u3", "a3 False x a7"))));
  }

  @Test
  void probabilities_areTheModelsSequenceProbabilitiesNormalizedOverTheChoices() {
    try (BlockLm lm = TinyWorld.model(); ChoicePolicy policy = ChoicePolicy.over(lm, TOKENIZER)) {
      ChoiceQuestion q = uneven();
      double[] log = new double[q.size()];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < q.size(); c++) {
        log[c] = logProbability(lm, q.prompt(), q.choices().get(c).text());
        max = Math.max(max, log[c]);
      }
      double z = 0;
      for (double l : log) {
        z += Math.exp(l - max);
      }
      double[] p = policy.probabilities(q);
      for (int c = 0; c < q.size(); c++) {
        assertThat(p[c]).as("choice %s", c).isCloseTo(Math.exp(log[c] - max) / z, within(1e-5));
      }
    }
  }

  @Test
  void probabilities_ofAQuestionDoNotDependOnTheOthersInTheBatch() {
    try (BlockLm lm = TinyWorld.model(); ChoicePolicy policy = ChoicePolicy.over(lm, TOKENIZER)) {
      List<ChoiceQuestion> batch = new java.util.ArrayList<>(RewardWorld.questions(0, 5));
      batch.add(2, uneven());
      List<double[]> together = policy.probabilities(batch);
      for (int i = 0; i < batch.size(); i++) {
        double[] alone = policy.probabilities(batch.get(i));
        assertThat(together.get(i)).as("question %s", batch.get(i).id()).containsExactly(alone, within(1e-5));
        assertThat(java.util.Arrays.stream(alone).sum()).isCloseTo(1, within(1e-5));
      }
    }
  }

  @Test
  void saveAndLoad_giveTheSameProbabilities(@TempDir Path dir) {
    try (BlockLm lm = TinyWorld.model(); ChoicePolicy policy = ChoicePolicy.over(lm, TOKENIZER)) {
      policy.save(dir);
      try (ChoicePolicy loaded = ChoicePolicy.load(dir, TOKENIZER, Device.cpu())) {
        assertThat(loaded.probabilities(uneven())).containsExactly(policy.probabilities(uneven()), within(1e-7));
      }
    }
  }

  @Test
  void close_leavesAModelTheCallerKeeps() {
    try (BlockLm lm = TinyWorld.model()) {
      ChoicePolicy policy = ChoicePolicy.over(lm, TOKENIZER);
      policy.close();
      policy.close();
      try (NDManager m = NDManager.newBaseManager()) {
        assertThat(lm.forward(m, new long[] {6}, null).logits().getShape().get(1)).isEqualTo(TinyWorld.WORDS.size());
      }
      assertThatThrownBy(() -> policy.probabilities(uneven())).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void question_rejectsRepeatedChoicesAndTooFewChoices() {
    Example a = Example.of("a", "a1 True");
    assertThatThrownBy(() -> new ChoiceQuestion("q", "a1", List.of(new Choice(" True", a))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least two choices");
    assertThatThrownBy(
            () -> new ChoiceQuestion("q", "a1", List.of(new Choice(" True", a), new Choice(" True", Example.of("b", "a1 x")))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' True' twice");
    assertThatThrownBy(() -> new ChoiceQuestion("q", "a1", List.of(new Choice(" True", a), new Choice(" x", a))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("claim id 'a'");
    assertThat(new ChoiceQuestion("q", "a1", List.of(new Choice(" True", a), new Choice(" x", Example.of("b", "a1 x")))).size())
        .isEqualTo(2);
  }
}
