package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The batched path of {@link DjlScorer} ({@link BatchedSweep} on a {@link BlockLm}) gives the label
 * log-probabilities of the one-read-at-a-time path within 1e-5, for random n, labels, prompt
 * lengths, leave-one-out orders and token budgets (down to budgets that split every read into
 * pieces and put one read in a forward), with one-token and multi-token labels.
 */
class BatchedSweepProperties {

  static final double TOLERANCE = 1e-5;
  private static final GptConfig CONFIG = new GptConfig(64, 2048, 2, 2, 32, 64, 11);
  private static BlockLm lm;

  /** The official layout, and labels A and B of two and one tokens. */
  private static final org.icm4j.text.PromptLayout LAYOUT =
      new org.icm4j.text.PromptLayout(
          java.util.Map.of("True", " True", "False", " False", "A", " very likely", "B", " unlikely"),
          "\n\n");

  @BeforeAll
  static void model() {
    lm = BlockLm.create(CONFIG, Device.cpu());
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  private static final String[] WORDS = {
    "alpha", "beta", "gamma", "delta", "claim", "red", "blue", "is", "not", "seven", "q1", "q2"
  };

  /** n examples with prompts of 2 to 14 words, random labels of the space. */
  static List<LabelledExample> labelled(int n, LabelSpace space, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<LabelledExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder p = new StringBuilder("Claim");
      int words = 2 + rng.nextInt(13);
      for (int w = 0; w < words; w++) {
        p.append(' ').append(WORDS[rng.nextInt(WORDS.length)]);
      }
      Example e = Example.of(String.format("e%03d", i), p.toString(), "g" + (i / 2));
      out.add(new LabelledExample(e, space.name(rng.nextInt(space.size()))));
    }
    return out;
  }

  static WordTokenizer tokenizer() {
    WordTokenizer t = new WordTokenizer(CONFIG.vocabularySize());
    t.encode("Claim " + String.join(" ", WORDS) + " True False very likely unlikely");
    t.encode("\n\n");
    return t;
  }

  private static DjlScorer scorer(boolean batched, DjlScorer.LeaveOneOut mode, int budget) {
    return DjlScorer.builder().model(lm).tokenizer(tokenizer()).leaveOneOut(mode).template(LAYOUT)
        .batched(batched).maxBatchTokens(budget).ownsResources(false).build();
  }

  static double maxDifference(List<double[]> a, List<double[]> b) {
    assertThat(a).hasSameSizeAs(b);
    double max = 0;
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i)).hasSameSizeAs(b.get(i));
      for (int k = 0; k < a.get(i).length; k++) {
        max = Math.max(max, Math.abs(a.get(i)[k] - b.get(i)[k]));
      }
    }
    return max;
  }

  @Test
  void leaveOneOut_batchedEqualsOneReadAtATime() {
    LabelSpace[] spaces = {LabelSpace.binary(), LabelSpace.of("A", "B")};
    qt().withExamples(8)
        .forAll(integers().between(1, 24), integers().between(0, 4), longs().all())
        .checkAssert(
            (n, budgetChoice, seed) -> {
              int budget = new int[] {5, 16, 40, 128, 1024}[budgetChoice];
              LabelSpace space = spaces[(int) Math.floorMod(seed, 2L)];
              // the plain order's n (n - 1) demonstrations at small n only (the test stays fast)
              DjlScorer.LeaveOneOut mode =
                  n > 10 ? DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER
                      : DjlScorer.LeaveOneOut.values()[(int) Math.floorMod(seed >> 1, 3L)];
              List<LabelledExample> l = labelled(n, space, seed);
              try (DjlScorer one = scorer(false, mode, budget);
                  DjlScorer many = scorer(true, mode, budget)) {
                ScoreResult a = one.scoreLeaveOneOut(space, l);
                ScoreResult b = many.scoreLeaveOneOut(space, l);
                assertThat(maxDifference(a.logProbs(), b.logProbs()))
                    .as("n=%s budget=%s mode=%s space=%s", n, budget, mode, space)
                    .isLessThanOrEqualTo(TOLERANCE);
                assertThat(b.tokens()).as("token-forwards").isEqualTo(a.tokens());
                if (n > 2 && budget >= 128) {
                  assertThat(many.forwards()).as("batched forwards").isLessThan(one.forwards());
                }
              }
            });
  }

  @Test
  void leaveOneOut_anyAttentionBlocks_equalsOneReadAtATime() {
    // Blocks down to one score and one key: every split of the own tokens (by sequences, by rows
    // with the later keys skipped) and of a segment (by rows, by keys) is taken.
    try (BlockLm blocked = BlockLm.create(CONFIG, Device.cpu())) {
      qt().withExamples(6)
          .forAll(integers().between(2, 14), integers().between(0, 3), integers().between(0, 2), longs().all())
          .checkAssert(
              (n, floatsChoice, keysChoice, seed) -> {
                int floats = new int[] {1, 40, 600, 5000}[floatsChoice];
                int keys = new int[] {1, 7, 64}[keysChoice];
                int budget = new int[] {16, 40, 1024}[(int) Math.floorMod(seed, 3L)];
                blocked.block().attentionBlocks(floats, keys);
                List<LabelledExample> l = labelled(n, LabelSpace.of("A", "B"), seed);
                try (DjlScorer one = scorer(false, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER, budget);
                    DjlScorer many = DjlScorer.builder().model(blocked).tokenizer(tokenizer()).template(LAYOUT)
                        .maxBatchTokens(budget).ownsResources(false).build()) {
                  ScoreResult a = one.scoreLeaveOneOut(LabelSpace.of("A", "B"), l);
                  ScoreResult b = many.scoreLeaveOneOut(LabelSpace.of("A", "B"), l);
                  assertThat(maxDifference(a.logProbs(), b.logProbs()))
                      .as("n=%s floats=%s keys=%s budget=%s", n, floats, keys, budget)
                      .isLessThanOrEqualTo(TOLERANCE);
                }
              });
    }
  }

  @Test
  void attentionBlocks_rejectsZero() {
    assertThatThrownBy(() -> lm.block().attentionBlocks(0, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attention blocks must be >= 1, but were 0 and 5");
  }

  @Test
  void score_batchedEqualsOneReadAtATime() {
    qt().withExamples(8)
        .forAll(integers().between(1, 12), longs().all())
        .checkAssert(
            (n, seed) -> {
              LabelSpace space = LabelSpace.of("A", "B");
              List<LabelledExample> l = labelled(n + 1, space, seed);
              List<ScoreRequest> requests = new ArrayList<>();
              for (int i = 0; i < n; i++) { // a shared context, then requests with their own
                requests.add(new ScoreRequest(l.get(i).example(), l.subList(i % 2 == 0 ? 0 : 1, n / 2 + 1)));
              }
              requests.add(new ScoreRequest(l.get(n).example(), List.of()));
              try (DjlScorer one = scorer(false, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER, 64);
                  DjlScorer many = scorer(true, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER, 64)) {
                ScoreResult a = one.score(space, requests);
                ScoreResult b = many.score(space, requests);
                assertThat(maxDifference(a.logProbs(), b.logProbs())).as("n=%s", n).isLessThanOrEqualTo(TOLERANCE);
                assertThat(b.tokens()).isEqualTo(a.tokens());
              }
            });
  }

  @Test
  void batched_contextTooLong_failsNamingTheExample() {
    GptConfig small = new GptConfig(64, 40, 1, 1, 8, 16, 3);
    try (BlockLm tiny = BlockLm.create(small, Device.cpu());
        DjlScorer s = DjlScorer.builder().model(tiny).tokenizer(tokenizer()).ownsResources(false).build()) {
      List<LabelledExample> l = labelled(6, LabelSpace.binary(), 5);
      assertThatThrownBy(() -> s.scoreLeaveOneOut(LabelSpace.binary(), l))
          .hasMessageContaining("exceeds the model's limit of 40")
          .hasMessageContaining("Icm.Builder.batchSize");
    }
  }

  @Test
  void maxBatchTokens_rejectsZero() {
    assertThatThrownBy(() -> DjlScorer.builder().maxBatchTokens(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBatchTokens must be >= 1, but was 0");
  }
}
