package org.icm4j.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.icm4j.Example;
import org.icm4j.spi.LabelScorer;
import org.icm4j.testing.ScorerContract;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

/** The shared scorer contract on OnnxScorer, per leave-one-out order and architecture. */
class OnnxScorerContractTest {

  static List<Example> claims(int n) {
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Example.of("c" + i, "Claim: " + i + " + " + (i % 3) + " = " + (i + i % 3 + i % 2) + ".\n\nThe claim is"));
    }
    return out;
  }

  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract static class Base extends ScorerContract {
    private OnnxScorer scorer;

    abstract String arch();

    abstract LeaveOneOutOrder order();

    @BeforeAll
    void open() {
      scorer = Fixtures.scorer(arch(), "model.onnx", PromptLayout.official(), order());
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
      return claims(7);
    }

    @Override
    protected double tolerance() {
      return 1e-4;
    }

    @Override
    protected Optional<LeaveOneOutOrder> leaveOneOutOrder() {
      return Optional.of(scorer.leaveOneOutOrder());
    }
  }

  @Nested
  class LlamaDivideAndConquer extends Base {
    @Override
    String arch() {
      return "llama-tiny";
    }

    @Override
    LeaveOneOutOrder order() {
      return LeaveOneOutOrder.DIVIDE_AND_CONQUER;
    }
  }

  @Nested
  class LlamaSharedPrefix extends Base {
    @Override
    String arch() {
      return "llama-tiny";
    }

    @Override
    LeaveOneOutOrder order() {
      return LeaveOneOutOrder.SHARED_PREFIX;
    }
  }

  @Nested
  class Qwen2Plain extends Base {
    @Override
    String arch() {
      return "qwen2-tiny";
    }

    @Override
    LeaveOneOutOrder order() {
      return LeaveOneOutOrder.PLAIN;
    }
  }
}
