package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.PromptLayout;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class DjlScorerTest {
  private static final LabelSpace BINARY = LabelSpace.binary();

  private static List<LabelledExample> randomlyLabelled(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<LabelledExample> out = new ArrayList<>();
    for (Example e : ToyWorld.examples(n)) {
      out.add(new LabelledExample(e, rng.nextBoolean() ? "True" : "False"));
    }
    return out;
  }

  private static void assertRowsClose(ScoreResult a, ScoreResult b, double tolerance) {
    assertThat(a.size()).isEqualTo(b.size());
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.row(i)).as("row %s", i).containsExactly(b.row(i), within(tolerance));
    }
  }

  @Test
  void divideAndConquer_equalsThePlainPathOnTheSamePerQueryContexts() {
    qt().forAll(integers().between(1, 24), longs().all())
        .checkAssert(
            (n, seed) -> {
              try (DjlScorer fast = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
                  DjlScorer plain = ToyWorld.scorer(false, DjlScorer.LeaveOneOut.PLAIN)) {
                List<LabelledExample> labelled = randomlyLabelled(n, seed);
                List<ScoreRequest> contexts = fast.leaveOneOutRequests(labelled);
                assertRowsClose(fast.scoreLeaveOneOut(BINARY, labelled), plain.score(BINARY, contexts), 1e-4);
              }
            });
  }

  @Test
  void sharedPrefix_equalsThePlainPath() {
    qt().forAll(integers().between(1, 20), longs().all())
        .checkAssert(
            (n, seed) -> {
              try (DjlScorer prefix = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.SHARED_PREFIX);
                  DjlScorer plain = ToyWorld.scorer(false, DjlScorer.LeaveOneOut.PLAIN)) {
                List<LabelledExample> labelled = randomlyLabelled(n, seed);
                assertRowsClose(
                    prefix.scoreLeaveOneOut(BINARY, labelled), plain.scoreLeaveOneOut(BINARY, labelled), 1e-4);
              }
            });
  }

  @Test
  void divideAndConquerContexts_holdExactlyTheOtherExamples_inTheRecursionOrder() {
    try (DjlScorer s = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER)) {
      List<LabelledExample> l = randomlyLabelled(4, 1);
      List<ScoreRequest> r = s.leaveOneOutRequests(l);
      // n = 4: halves {0,1} and {2,3}; example 0 sees {2,3} then {1}
      assertThat(r.get(0).context()).containsExactly(l.get(2), l.get(3), l.get(1));
      assertThat(r.get(1).context()).containsExactly(l.get(2), l.get(3), l.get(0));
      assertThat(r.get(2).context()).containsExactly(l.get(0), l.get(1), l.get(3));
      assertThat(r.get(3).context()).containsExactly(l.get(0), l.get(1), l.get(2));
    }
  }

  @Test
  void tokenForwards_divideAndConquerEncodesEachExampleAtMostLog2nPlus1Times() {
    WordTokenizer t = ToyWorld.tokenizer();
    for (int n : new int[] {8, 32, 64}) {
      List<LabelledExample> labelled = randomlyLabelled(n, n);
      long demoTokens = 0;
      long queryTokens = 0;
      for (LabelledExample le : labelled) {
        long prompt = t.encode(le.example().prompt()).length;
        demoTokens += prompt + 1 + t.encode("\n\n").length;
        queryTokens += prompt;
      }
      int log2 = 32 - Integer.numberOfLeadingZeros(n - 1);
      try (DjlScorer dc = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
          DjlScorer plain = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.PLAIN)) {
        long dcTokens = dc.scoreLeaveOneOut(BINARY, labelled).tokens();
        long plainTokens = plain.scoreLeaveOneOut(BINARY, labelled).tokens();
        assertThat(dcTokens).isLessThanOrEqualTo(log2 * demoTokens + queryTokens);
        // the official pattern reads n - 1 demonstrations per query
        assertThat(plainTokens).isEqualTo((n - 1) * demoTokens + queryTokens);
        assertThat(dc.tokensForwarded()).isEqualTo(dcTokens);
      }
    }
  }

  @Test
  void twoExamplesWithOneIdAndOtherPrompts_areScoredByTheirOwnPrompts() {
    List<Example> examples = ToyWorld.examples(2);
    Example first = examples.get(0);
    // same id, the other example's prompt (e.g. "q1" of another data set)
    Example renamed = new Example(first.id(), examples.get(1).prompt(), first.group(), first.attributes());
    try (DjlScorer reused = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
        DjlScorer fresh = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER)) {
      ScoreResult before = reused.score(BINARY, List.of(new ScoreRequest(first, List.of())));
      ScoreResult after = reused.score(BINARY, List.of(new ScoreRequest(renamed, List.of())));
      ScoreResult expected = fresh.score(BINARY, List.of(new ScoreRequest(renamed, List.of())));
      assertRowsClose(after, expected, 1e-6);
      assertThat(after.row(0)).isNotEqualTo(before.row(0));
    }
  }

  @Test
  void manyShotRequestsWithOneContext_readTheContextOnce() {
    try (DjlScorer s = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER)) {
      List<LabelledExample> context = randomlyLabelled(10, 3);
      List<ScoreRequest> requests = new ArrayList<>();
      for (Example e : ToyWorld.examples(15).subList(10, 15)) {
        requests.add(new ScoreRequest(e, context));
      }
      long contextTokens = 0;
      for (LabelledExample le : context) {
        contextTokens += ToyWorld.tokenizer().encode(le.example().prompt()).length + 1 + 1;
      }
      ScoreResult r = s.score(BINARY, requests);
      assertThat(r.tokens()).isLessThan(2 * contextTokens);
    }
  }

  @Test
  void contextLongerThanTheModel_failsWithTheNumbersAndTheRemedy() {
    try (DjlScorer s =
        DjlScorer.builder().model(new ToyLm(ToyWorld.VOCAB, 4, 50, true, 1))
            .tokenizer(ToyWorld.tokenizer()).build()) {
      List<LabelledExample> labelled = randomlyLabelled(10, 1);
      assertThatThrownBy(() -> s.scoreLeaveOneOut(BINARY, labelled))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("limit of 50")
          .hasMessageContaining("smaller batch");
    }
  }

  @Test
  void labelTheTokenizerCannotEncode_failsNamingTheLabel() {
    WordTokenizer full = new WordTokenizer(ToyWorld.VOCAB);
    for (Example e : ToyWorld.examples(35)) {
      full.encode(e.prompt());
    }
    for (int i = 0; i < ToyWorld.VOCAB; i++) {
      full.encode(" filler" + i); // fill the vocabulary so the labels map to <unk>
    }
    try (DjlScorer s = DjlScorer.builder().model(new ToyLm(ToyWorld.VOCAB, 4, 4096, true, 1)).tokenizer(full).build()) {
      assertThatThrownBy(() -> s.scoreLeaveOneOut(BINARY, randomlyLabelled(3, 1)))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("label 'True'")
          .hasMessageContaining("unknown token");
    }
  }

  @Test
  void labelThatTokenizesDifferentlyAfterItsPrompt_failsNamingTheExampleAndTheFix() {
    Example query = new Example("x1", "I think this claim is", "g", Map.of());
    PromptLayout noSpace = new PromptLayout(Map.of("True", "True", "False", "False"), "\n\n");
    try (DjlScorer s =
        DjlScorer.builder().model(new ToyLm(ToyWorld.VOCAB, 4, 4096, true, 1))
            .tokenizer(ToyWorld.tokenizer()).template(noSpace).build()) {
      // "isTrue" is one word to this tokenizer: the label would not be read as its own tokens
      assertThatThrownBy(() -> s.score(BINARY, List.of(new ScoreRequest(query, List.of()))))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("example 'x1'")
          .hasMessageContaining("tokenizes differently")
          .hasMessageContaining("leading space");
    }
  }

  @Test
  void promptEndingWithWhitespace_failsNamingTheExampleAndTheRule() {
    for (String prompt : new String[] {"I think this claim is ", "Answer:\n", "is\t"}) {
      Example spaced = new Example("x1", prompt, "g", Map.of());
      try (DjlScorer s = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER)) {
        assertThatThrownBy(() -> s.score(BINARY, List.of(new ScoreRequest(spaced, List.of()))))
            .as(prompt)
            .isInstanceOf(IcmException.class)
            .hasMessageContaining("example 'x1'")
            .hasMessageContaining("ends with whitespace")
            .hasMessageContaining("without a trailing space")
            .hasMessageContaining("verbalizer \" True\"")
            .satisfies(e -> assertThat(((IcmException) e).exampleId()).isEqualTo("x1"));
      }
    }
  }

  // ---------------------------------------------------------------- checkBatch

  /** ToyWorld examples with a model of the given context length. */
  private static DjlScorer limited(int maxLength) {
    return DjlScorer.builder()
        .model(new ToyLm(ToyWorld.VOCAB, 4, maxLength, true, 1))
        .tokenizer(ToyWorld.tokenizer())
        .build();
  }

  private static List<LabelledExample> allLabelled(List<Example> batch, String label) {
    return batch.stream().map(e -> new LabelledExample(e, label)).toList();
  }

  @Test
  void checkBatch_passesExactlyWhenTheFullyLabelledLeaveOneOutFits() {
    qt().forAll(integers().between(1, 12), integers().between(8, 120))
        .checkAssert(
            (n, maxLength) -> {
              List<Example> batch = ToyWorld.examples(n);
              try (DjlScorer s = limited(maxLength)) {
                boolean scores;
                try {
                  s.scoreLeaveOneOut(BINARY, allLabelled(batch, "True"));
                  scores = true;
                } catch (IcmException e) {
                  scores = false;
                }
                boolean checks;
                try {
                  s.checkBatch(BINARY, batch);
                  checks = true;
                } catch (IcmException e) {
                  checks = false;
                }
                assertThat(checks).as("n=%s, maxLength=%s", n, maxLength).isEqualTo(scores);
              }
            });
  }

  @Test
  void checkBatch_tooLong_namesTheNumbersAndABatchSizeThatFits() {
    List<Example> batch = ToyWorld.examples(10);
    try (DjlScorer s = limited(50)) {
      assertThatThrownBy(() -> s.checkBatch(BINARY, batch))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("a batch of 10 examples")
          .hasMessageContaining("model's limit of 50")
          .hasMessageContaining("Icm.Builder.batchSize(")
          .hasMessageNotContaining("Icm.Builder.batchSize(10)");
      assertThat(s.tokensForwarded()).isZero();

      String message = catchIcm(() -> s.checkBatch(BINARY, batch)).getMessage();
      int fits = Integer.parseInt(message.replaceAll("(?s).*batchSize\\((\\d+)\\).*", "$1"));
      // the suggestion holds for the examples of the longest prompts, and one more would not fit
      List<Example> longestFirst =
          batch.stream()
              .sorted(
                  java.util.Comparator.comparingInt(
                      (Example e) -> -ToyWorld.tokenizer().encode(e.prompt()).length))
              .toList();
      s.checkBatch(BINARY, longestFirst.subList(0, fits));
      s.scoreLeaveOneOut(BINARY, allLabelled(longestFirst.subList(0, fits), "False"));
      assertThatThrownBy(() -> s.scoreLeaveOneOut(BINARY, allLabelled(longestFirst.subList(0, fits + 1), "False")))
          .isInstanceOf(IcmException.class);
    }
  }

  @Test
  void checkBatch_aPromptThatAloneIsTooLong_namesTheExample() {
    Example longOne =
        new Example("long-1", "Question q1 claim c1 I think this claim is" + " is".repeat(20), "g", Map.of());
    try (DjlScorer s = limited(16)) {
      assertThatThrownBy(() -> s.checkBatch(BINARY, List.of(Example.of("a", "claim c1 is"), longOne)))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("example 'long-1'")
          .hasMessageContaining("model's limit of 16")
          .satisfies(e -> assertThat(((IcmException) e).exampleId()).isEqualTo("long-1"));
    }
  }

  @Test
  void checkBatch_checksEachPromptAsScoringWould() {
    try (DjlScorer s = limited(4096)) {
      assertThatThrownBy(() -> s.checkBatch(BINARY, List.of(Example.of("t1", "claim is "))))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("example 't1'")
          .hasMessageContaining("ends with whitespace");
    }
  }

  private static IcmException catchIcm(Runnable r) {
    try {
      r.run();
    } catch (IcmException e) {
      return e;
    }
    throw new AssertionError("expected an IcmException");
  }

  @Test
  void modelReturningLogitsOfTheWrongShape_failsWithTheShape() {
    CausalLm broken =
        new CausalLm() {
          private final ToyLm inner = new ToyLm(ToyWorld.VOCAB, 4, 4096, true, 1);

          @Override
          public ai.djl.Device device() {
            return inner.device();
          }

          @Override
          public int vocabularySize() {
            return ToyWorld.VOCAB + 1;
          }

          @Override
          public int maxLength() {
            return 4096;
          }

          @Override
          public boolean reusesKeysAndValues() {
            return true;
          }

          @Override
          public Step forward(NDManager manager, long[] tokens, @Nullable KvCache cache) {
            return inner.forward(manager, tokens, cache);
          }

          @Override
          public void close() {}
        };
    try (DjlScorer s = DjlScorer.builder().model(broken).tokenizer(ToyWorld.tokenizer()).build()) {
      assertThatThrownBy(() -> s.scoreLeaveOneOut(BINARY, randomlyLabelled(3, 1)))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("shape")
          .hasMessageContaining("expected (");
    }
  }

  @Test
  void multiTokenLabel_isTheSumOfItsTokensLogProbabilities_overTheFullVocabulary() {
    WordTokenizer tok = ToyWorld.tokenizer();
    PromptLayout twoWords =
        new PromptLayout(java.util.Map.of("True", " quite true", "False", " quite false"), "\n\n");
    ToyLm lm = new ToyLm(ToyWorld.VOCAB, 8, 4096, true, 7);
    List<LabelledExample> context = randomlyLabelled(3, 2);
    Example query = ToyWorld.examples(5).get(4);
    double[] row;
    try (DjlScorer s = DjlScorer.builder().model(lm).tokenizer(tok).template(twoWords)
        .ownsResources(false).build()) {
      row = s.score(BINARY, List.of(new ScoreRequest(query, context))).row(0);
    }
    // by hand: the whole sequence, then log-softmax at the two label positions
    long[] seq = new long[0];
    for (LabelledExample d : context) {
      seq = cat(seq, tok.encode(d.example().prompt()), tok.encode(twoWords.verbalize(d.label())), tok.encode("\n\n"));
    }
    seq = cat(seq, tok.encode(query.prompt()));
    for (int k = 0; k < 2; k++) {
      long[] label = tok.encode(twoWords.verbalize(BINARY.name(k)));
      assertThat(label).hasSize(2);
      long[] all = cat(seq, label);
      try (NDManager m = NDManager.newBaseManager()) {
        float[] logits = lm.forward(m, all, null).logits().toFloatArray();
        double expected = 0;
        for (int j = 0; j < 2; j++) {
          int pos = seq.length - 1 + j;
          expected += logSoftmaxAt(logits, pos, ToyWorld.VOCAB, (int) label[j]);
        }
        assertThat(row[k]).as("label %s", BINARY.name(k)).isCloseTo(expected, within(1e-4));
      }
    }
  }

  private static long[] cat(long[]... parts) {
    int n = 0;
    for (long[] p : parts) {
      n += p.length;
    }
    long[] out = new long[n];
    int at = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static double logSoftmaxAt(float[] logits, int row, int vocab, int token) {
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, logits[row * vocab + v]);
    }
    double z = 0;
    for (int v = 0; v < vocab; v++) {
      z += Math.exp(logits[row * vocab + v] - max);
    }
    return logits[row * vocab + token] - max - Math.log(z);
  }

  @Test
  void promptWithoutTokens_failsNamingTheExample() {
    TextTokenizer blankless =
        new TextTokenizer() {
          private final WordTokenizer inner = ToyWorld.tokenizer();

          @Override
          public long[] encode(String text) {
            return text.isBlank() ? new long[0] : inner.encode(text);
          }

          @Override
          public boolean isUnknown(long id) {
            return inner.isUnknown(id);
          }
        };
    Example blank = new Example("blank-1", "   ", "g", java.util.Map.of());
    try (DjlScorer s = DjlScorer.builder().model(new ToyLm(ToyWorld.VOCAB, 4, 4096, true, 1))
        .tokenizer(blankless).build()) {
      assertThatThrownBy(() -> s.score(BINARY, List.of(new ScoreRequest(blank, List.of()))))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("example 'blank-1'")
          .hasMessageContaining("no tokens");
    }
  }

  @Test
  void closedScorer_refusesWork_andClosingTwiceIsHarmless() {
    DjlScorer s = ToyWorld.scorer(true, DjlScorer.LeaveOneOut.PLAIN);
    s.close();
    s.close();
    assertThatThrownBy(() -> s.scoreLeaveOneOut(BINARY, randomlyLabelled(2, 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void builder_requiresModelAndTokenizer() {
    assertThatThrownBy(() -> DjlScorer.builder().tokenizer(ToyWorld.tokenizer()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("model(");
    assertThatThrownBy(() -> DjlScorer.builder().model(new ToyLm(8, 2, 10, true, 1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("tokenizer(");
  }
}
