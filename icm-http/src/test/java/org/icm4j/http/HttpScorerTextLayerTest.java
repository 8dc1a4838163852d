package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.http.StubServer.Fault;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.LeaveOneOutPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link HttpScorer} on icm-core's text layer: its checks, its plans, the server tokenizer's deadline. */
class HttpScorerTextLayerTest {

  private static final LabelSpace BINARY = LabelSpace.binary();

  @ParameterizedTest
  @EnumSource(Engine.class)
  void score_aPromptEndingInWhitespace_failsWithTheTextLayersMessageNamingTheExample(Engine engine) {
    try (StubServer stub = StubContracts.start(engine);
        HttpScorer scorer = StubContracts.scorer(stub, engine).maxInFlight(1).build()) {
      Example spaced = Example.of("spaced-1", "claim fire is cold so ");
      int before = stub.hits(StubContracts.path(engine));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(new ScoreRequest(spaced, List.of()))))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("the prompt of example 'spaced-1' ends with whitespace")
          .hasMessageContaining("end prompts without a trailing space")
          .satisfies(e -> assertThat(((IcmException) e).exampleId()).isEqualTo("spaced-1"));
      assertThat(stub.hits(StubContracts.path(engine))).as("nothing scored").isEqualTo(before);
    }
  }

  @Test
  void checkBatch_aDemonstrationEndingInWhitespace_failsBeforeTheSearch() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).build()) {
      List<Example> batch = List.of(Example.of("ok", "claim fire is cold so"), Example.of("nl", "claim ice is hot so\n"));

      assertThatThrownBy(() -> scorer.checkBatch(BINARY, batch))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("the prompt of example 'nl' ends with whitespace (\"claim ice is hot so\\n\")");
    }
  }

  @Test
  void build_aLabelTheLocalTokenizerEncodesToItsUnknownToken_failsNamingTheLabel() {
    Tokenizer unknownTrue = new Tokenizer() {
      @Override
      public int[] encode(String text) {
        return ToyLm.encode(text, 0);
      }

      @Override
      public boolean isUnknown(int id) {
        return id == ToyLm.WORDS.indexOf("True");
      }
    };
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP)) {
      assertThatThrownBy(() -> StubContracts.scorer(stub, Engine.LLAMA_CPP).tokenizer(unknownTrue).build())
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("no tokens for label 'True'")
          .hasMessageContaining("encodes to the unknown token");
    }
  }

  @ParameterizedTest
  @EnumSource(LeaveOneOutOrder.class)
  void leaveOneOutRequests_areThePlanOfTheOrderTheBuilderWasGiven(LeaveOneOutOrder order) {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.SGLANG).leaveOneOut(order).build()) {
      List<LabelledExample> labelled = StubContracts.examples().stream()
          .map(e -> new LabelledExample(e, e.id().compareTo("c4") < 0 ? "True" : "False"))
          .toList();

      assertThat(scorer.leaveOneOutOrder()).isEqualTo(order);
      assertThat(HttpScorer.LeaveOneOut.of(order).order()).isEqualTo(order);
      assertThat(HttpScorer.LeaveOneOut.of(order).name()).isEqualTo(order.name());
      assertThat(scorer.leaveOneOutRequests(labelled))
          .isEqualTo(LeaveOneOutPlan.of(order, labelled.size()).requests(labelled));
      assertThat(scorer.leaveOneOutRequests(List.of())).isEmpty();
    }
  }

  @Test
  void score_theServersTokenizeCallsShareTheCallsDeadline() {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.SGLANG).maxInFlight(1)
            .deadline(Duration.ofMillis(1500)).build()) {
      // a new prompt takes 5 /tokenize calls (the prompt, then it with each label, alone and as a
      // demonstration); each answers in 0.6 s, within the deadline alone but not all together
      for (int i = 0; i < 10; i++) {
        stub.fault("/tokenize", Fault.delay(600));
      }
      Example fresh = Example.of("fresh-1", "claim the moon is dry so");
      long start = System.nanoTime();

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(new ScoreRequest(fresh, List.of()))))
          .isInstanceOf(InferenceServerException.class)
          .hasMessageContaining("deadline")
          .satisfies(e -> assertThat(((IcmException) e).exampleId()).isEqualTo("fresh-1"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    }
  }
}
