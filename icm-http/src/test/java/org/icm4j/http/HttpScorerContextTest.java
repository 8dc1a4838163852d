package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.icm4j.http.StubContracts.failure;

import java.util.Comparator;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpScorer#checkBatch}: the context limit the server reports (llama.cpp's {@code /props},
 * vLLM's {@code max_model_len}) or {@link HttpScorer.Builder#contextLength} is checked before a
 * search spends any work on a batch, as {@code DjlScorer} does (issues 19, 20).
 */
class HttpScorerContextTest {

  private static final LabelSpace BINARY = LabelSpace.binary();
  private static final List<Example> EXAMPLES = StubContracts.examples();

  private static List<LabelledExample> allLabelled(List<Example> batch, String label) {
    return batch.stream().map(e -> new LabelledExample(e, label)).toList();
  }

  private static boolean succeeds(Runnable r) {
    try {
      r.run();
      return true;
    } catch (IcmException e) {
      return false;
    }
  }

  @Test
  void checkBatch_passesExactlyWhenTheFullyLabelledLeaveOneOutFits() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP)) {
      for (int limit = 6; limit <= 60; limit += 5) {
        stub.contextLength(limit);
        try (HttpScorer s = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).build()) {
          assertThat(s.contextLength()).isEqualTo(limit);
          for (int n = 1; n <= EXAMPLES.size(); n++) {
            List<Example> batch = EXAMPLES.subList(0, n);
            boolean scores = succeeds(() -> s.scoreLeaveOneOut(BINARY, allLabelled(batch, "False")));
            boolean checks = succeeds(() -> s.checkBatch(BINARY, batch));
            assertThat(checks).as("n=%s, limit=%s", n, limit).isEqualTo(scores);
          }
        }
      }
    }
  }

  @Test
  void checkBatch_tooLong_namesTheNumbersTheLimitsSourceAndABatchSizeThatFits() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP)) {
      stub.contextLength(40);
      try (HttpScorer s = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).build()) {
        int before = stub.hits("/completion");
        IcmException e = failure(() -> s.checkBatch(BINARY, EXAMPLES));

        assertThat(e.getMessage())
            .contains("a batch of 7 examples can need a context of ")
            .contains("more than the model's limit of 39")
            .contains("the server's context of 40 tokens (the llama.cpp server's context per slot"
                + " (GET /props: default_generation_settings.n_ctx)) less the one token each request generates")
            .contains("Icm.Builder.batchSize(")
            .doesNotContain("batchSize(7)");
        assertThat(stub.hits("/completion")).as("nothing scored").isEqualTo(before);

        int fits = Integer.parseInt(e.getMessage().replaceAll("(?s).*batchSize\\((\\d+)\\).*", "$1"));
        List<Example> longestFirst = EXAMPLES.stream()
            .sorted(Comparator.comparingInt((Example x) -> -s.tokenize(x.prompt()).length))
            .toList();
        s.checkBatch(BINARY, longestFirst.subList(0, fits));
        s.scoreLeaveOneOut(BINARY, allLabelled(longestFirst.subList(0, fits), "False"));
        assertThatThrownBy(() -> s.scoreLeaveOneOut(BINARY, allLabelled(longestFirst.subList(0, fits + 1), "False")))
            .isInstanceOf(IcmException.class);
      }
    }
  }

  @Test
  void checkBatch_aPromptThatAloneIsTooLong_namesTheExample() {
    try (StubServer stub = StubContracts.start(Engine.VLLM)) {
      stub.contextLength(8);
      try (HttpScorer s = StubContracts.scorer(stub, Engine.VLLM).build()) {
        Example longOne = Example.of("long-1", "claim the sky is blue so the grass is green so");

        assertThatThrownBy(() -> s.checkBatch(BINARY, List.of(Example.of("a", "claim fire so"), longOne)))
            .isInstanceOf(IcmException.class)
            .hasMessageContaining("the prompt of example 'long-1' with the longest label takes")
            .hasMessageContaining("server's context of 8 tokens (vLLM's max_model_len (GET /v1/models))")
            .satisfies(x -> assertThat(((IcmException) x).exampleId()).isEqualTo("long-1"));
      }
    }
  }

  @Test
  void checkBatch_onSglang_usesTheBuildersContextLength() {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer unlimited = StubContracts.scorer(stub, Engine.SGLANG).build();
        HttpScorer limited = StubContracts.scorer(stub, Engine.SGLANG).contextLength(30).build()) {
      assertThat(unlimited.contextLength()).isEqualTo(-1);
      unlimited.checkBatch(BINARY, EXAMPLES);

      assertThatThrownBy(() -> limited.checkBatch(BINARY, EXAMPLES))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("server's context of 30 tokens (HttpScorer.Builder.contextLength)");
      assertThatThrownBy(() -> limited.scoreLeaveOneOut(BINARY, allLabelled(EXAMPLES, "True")))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("limit of 30");
    }
  }

  @Test
  void icmRun_withATooSmallContext_failsBeforeAnyScoringRequest() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP)) {
      stub.contextLength(40);
      try (HttpScorer s = StubContracts.scorer(stub, Engine.LLAMA_CPP).build()) {
        assertThatThrownBy(() -> Icm.builder().scorer(s).seed(1).build().run(EXAMPLES))
            .isInstanceOf(IcmException.class)
            .hasMessageContaining("a batch of 7 examples");
        assertThat(stub.hits("/completion")).isZero();
      }
    }
  }

  @Test
  void builder_rejectsATinyContextLength() {
    assertThatThrownBy(() -> HttpScorer.builder().contextLength(1))
        .hasMessage("contextLength must be >= 2, but was 1");
  }
}
