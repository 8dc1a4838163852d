package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.ScorerContract;
import org.icm4j.text.LeaveOneOutOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * DjlScorer on the real model sources: the traced TorchScript fixtures (plain and with
 * past_key_values, byte-level BPE tokenizer) and a DJL Block GPT. Each passes the shared scorer
 * contract, and the divide-and-conquer path equals the plain path on the same per-query contexts.
 */
class ModelScorerContractTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures");

  static List<Example> claims(int n) {
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new Example(
              String.format("c%03d", i),
              (i % 4) + "+" + (i % 3) + "=" + (i % 5) + "? I think this claim is",
              "q" + (i % 4),
              Map.of()));
    }
    return out;
  }

  static List<LabelledExample> labelled(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<LabelledExample> out = new ArrayList<>();
    for (Example e : claims(n)) {
      out.add(new LabelledExample(e, rng.nextBoolean() ? "True" : "False"));
    }
    return out;
  }

  static DjlScorer torchScript(String dir, DjlScorer.LeaveOneOut mode) {
    return DjlScorer.builder()
        .model(TorchScriptLm.load(FIXTURES.resolve(dir)))
        .tokenizer(TextTokenizer.huggingFace(FIXTURES.resolve("tokenizer.json")))
        .leaveOneOut(mode)
        .build();
  }

  static DjlScorer block(DjlScorer.LeaveOneOut mode) {
    return DjlScorer.builder()
        .model(BlockLm.create(new GptConfig(276, 1024, 2, 2, 32, 64, 3), Device.cpu()))
        .tokenizer(TextTokenizer.huggingFace(FIXTURES.resolve("tokenizer.json")))
        .leaveOneOut(mode)
        .build();
  }

  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract static class Base extends ScorerContract {
    private DjlScorer scorer;

    abstract DjlScorer create();

    @BeforeAll
    void open() {
      scorer = create();
    }

    @AfterAll
    void close() {
      scorer.close();
    }

    @Override
    protected LabelScorer scorer() {
      return scorer;
    }

    @Override
    protected List<Example> examples() {
      return claims(8);
    }

    @Override
    protected Optional<LeaveOneOutOrder> leaveOneOutOrder() {
      return Optional.of(scorer.leaveOneOutOrder());
    }

    @Override
    protected double tolerance() {
      return 1e-4;
    }
  }

  @Nested
  class TorchScriptWithPastKeyValues extends Base {
    @Override
    DjlScorer create() {
      return torchScript("gpt2-kv", DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
    }
  }

  @Nested
  class TorchScriptPlain extends Base {
    @Override
    DjlScorer create() {
      return torchScript("gpt2-plain", DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
    }
  }

  @Nested
  class BlockGpt extends Base {
    @Override
    DjlScorer create() {
      return block(DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
    }
  }

  @Test
  void divideAndConquerWithKeyValueReuse_equalsThePlainTraceFromScratch() {
    try (DjlScorer fast = torchScript("gpt2-kv", DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
        DjlScorer reference = torchScript("gpt2-plain", DjlScorer.LeaveOneOut.PLAIN)) {
      for (int n : new int[] {1, 2, 5, 12}) {
        List<LabelledExample> l = labelled(n, n);
        List<ScoreRequest> contexts = fast.leaveOneOutRequests(l);
        ScoreResult a = fast.scoreLeaveOneOut(LabelSpace.binary(), l);
        ScoreResult b = reference.score(LabelSpace.binary(), contexts);
        for (int i = 0; i < n; i++) {
          assertThat(a.row(i)).as("n=%s row %s", n, i).containsExactly(b.row(i), within(1e-4));
        }
        assertThat(a.tokens()).isLessThan(b.tokens() + 1);
      }
    }
  }

  @Test
  void blockGptDivideAndConquer_equalsItsPlainPath() {
    try (DjlScorer fast = block(DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
        DjlScorer reference = block(DjlScorer.LeaveOneOut.PLAIN)) {
      List<LabelledExample> l = labelled(11, 5);
      ScoreResult a = fast.scoreLeaveOneOut(LabelSpace.binary(), l);
      ScoreResult b = reference.score(LabelSpace.binary(), fast.leaveOneOutRequests(l));
      for (int i = 0; i < l.size(); i++) {
        assertThat(a.row(i)).as("row %s", i).containsExactly(b.row(i), within(1e-4));
      }
    }
  }
}
