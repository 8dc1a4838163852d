package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.icm4j.http.StubContracts.failure;
import static org.icm4j.http.StubContracts.request;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.http.StubServer.Fault;
import org.icm4j.spi.ScoreRequest;
import org.junit.jupiter.api.Test;

/**
 * Faults found by fault injection (issue 23): a server that stalls, an endless body, a model
 * switched mid-run, and the details of the failures' messages. Each test fails without its fix.
 */
class HttpScorerFaultTest {

  private static final LabelSpace BINARY = LabelSpace.binary();
  private static final List<Example> EXAMPLES = StubContracts.examples();

  // ---------------------------------------------------------------- 1: a server that stalls

  @Test
  void score_aServerThatStallsMidBody_givesUpWithinTheRequestTimeoutPerAttemptNamingWhatItGot() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1)
            .requestTimeout(Duration.ofMillis(400)).maxAttempts(2).deadline(Duration.ofSeconds(10)).build()) {
      scorer.score(BINARY, List.of(request())); // tokenizes the prompts
      stub.fault("/completion", Fault.stallAfter(20, 30_000), Fault.stallAfter(20, 30_000));
      long start = System.nanoTime();

      IcmException e = assertTimeoutPreemptively(
          Duration.ofSeconds(5), () -> failure(() -> scorer.score(BINARY, List.of(request()))));

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(e.getMessage())
          .contains("gave up after 2 attempt(s)")
          .contains("no complete answer within 400 ms: headers received (HTTP 200), 20 bytes of body read, no data for")
          .contains("'c3'");
    }
  }

  @Test
  void score_aServerThatStallsMidBody_stopsAtTheDeadline() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1)
            .requestTimeout(Duration.ofSeconds(60)).maxAttempts(5).deadline(Duration.ofMillis(1200)).build()) {
      scorer.score(BINARY, List.of(request()));
      for (int i = 0; i < 5; i++) {
        stub.fault("/v1/completions", Fault.stallAfter(0, 30_000));
      }
      long start = System.nanoTime();

      IcmException e = assertTimeoutPreemptively(
          Duration.ofSeconds(5), () -> failure(() -> scorer.score(BINARY, List.of(request()))));

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
      assertThat(e.getMessage())
          .contains("deadline")
          .contains("headers received (HTTP 200), 0 bytes of body read, no data for");
    }
  }

  @Test
  void icmRun_onAServerThatStalls_failsWithinTheDeadlineInsteadOfHanging() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(2)
            .requestTimeout(Duration.ofSeconds(1)).maxAttempts(2).deadline(Duration.ofSeconds(10)).build()) {
      for (int i = 0; i < 64; i++) {
        stub.fault("/completion", Fault.stallAfter(10, 60_000));
      }
      long start = System.nanoTime();

      IcmException e = assertTimeoutPreemptively(
          Duration.ofSeconds(15),
          () -> failure(() -> Icm.builder().scorer(scorer).seed(1).build().run(EXAMPLES)));

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(11));
      assertThat(e.getMessage()).contains("headers received (HTTP 200)");
    }
  }

  // ---------------------------------------------------------------- 2: an endless body

  @Test
  void score_anEndlessBody_failsAtTheSizeBoundNamingTheLimitAndTheSetting() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).build()) {
      scorer.score(BINARY, List.of(request()));
      stub.fault("/completion", Fault.endless(1L << 30)); // the stub stops at 1 GiB, the client far earlier
      int before = stub.hits("/completion");

      IcmException e = assertTimeoutPreemptively(
          Duration.ofSeconds(20), () -> failure(() -> scorer.score(BINARY, List.of(request()))));

      assertThat(e.getMessage())
          .contains("'c3'")
          .contains("sent an answer larger than the limit of 8388608 bytes (8 MiB): more than 8388608 bytes of body arrived")
          .contains("raise HttpScorer.Builder.maxResponseBytes");
      assertThat(stub.hits("/completion") - before).as("not asked again").isEqualTo(1);
    }
  }

  @Test
  void score_aLargerDeclaredLengthThanTheBound_failsBeforeReadingTheBody() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).maxResponseBytes(4096).build()) {
      scorer.score(BINARY, List.of(request()));
      stub.fault("/v1/completions", padded(10_000));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("larger than the limit of 4096 bytes (4.0 KiB): its Content-Length is ")
          .hasMessageContaining("maxResponseBytes");
    }
  }

  /** A valid answer (a JSON object) with a string field of {@code chars} characters added. */
  private static Fault padded(int chars) {
    return r -> {
      String b = r.body().strip();
      return r.withBody(b.substring(0, b.length() - 1) + ",\"padding\":\"" + "x".repeat(chars) + "\"}");
    };
  }

  @Test
  void score_aValid25MbAnswer_isTooLargeUnderTheDefaultBound_andParsesUnderARaisedOne() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).build();
        HttpScorer raised = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).maxResponseBytes(64L << 20).build()) {
      double[] clean = scorer.score(BINARY, List.of(request())).row(0);
      raised.score(BINARY, List.of(request()));
      stub.fault("/v1/completions", padded(25_000_000), padded(25_000_000));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("larger than the limit of 8388608 bytes (8 MiB)")
          .hasMessageNotContaining("malformed");
      assertThat(raised.score(BINARY, List.of(request())).row(0)).containsExactly(clean);
    }
  }

  @Test
  void builder_rejectsATinyResponseBound() {
    assertThatThrownBy(() -> HttpScorer.builder().maxResponseBytes(100))
        .hasMessage("maxResponseBytes must be >= 1024, but was 100");
  }

  // ---------------------------------------------------------------- 3: a model switched mid-run

  @Test
  void score_whenLlamaCppIsRestartedWithAnotherModel_failsNamingBothModels() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).build()) {
      scorer.score(BINARY, List.of(request()));
      stub.modelName("qwen2.5-0.5b.gguf"); // same vocabulary, another model

      IcmException e = failure(() -> scorer.score(BINARY, List.of(request())));

      assertThat(e.getMessage())
          .contains("answered for example 'c3'")
          .contains("with model 'qwen2.5-0.5b.gguf', but its earlier answers came from model 'toy'")
          .contains("Serve 'toy' again");
      assertThat(e.exampleId()).isEqualTo("c3");
    }
  }

  @Test
  void score_whenAVllmAnswerNamesAnotherModel_fails() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).build()) {
      scorer.score(BINARY, List.of(request()));
      stub.fault("/v1/completions", Fault.json(n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("model", "llama-3-8b")));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("with model 'llama-3-8b', but its earlier answers came from model 'toy'");
    }
  }

  @Test
  void score_withBatchedLlamaCppPrompts_checksTheModelOfEachResult() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).batchSize(2).build()) {
      List<ScoreRequest> two = List.of(request(), new ScoreRequest(EXAMPLES.get(3), List.of()));
      scorer.score(BINARY, two);
      stub.fault("/completion", Fault.json(n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n.get(1)).put("model", "other")));

      assertThatThrownBy(() -> scorer.score(BINARY, two))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("with model 'other'");
    }
  }

  // ---------------------------------------------------------------- 9: the failures' details

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Engine.class)
  void everyAnswerFailure_namesItsExampleInExampleId(Engine engine) {
    String path = engine == Engine.LLAMA_CPP ? "/completion" : engine == Engine.VLLM ? "/v1/completions" : "/generate";
    try (StubServer stub = StubContracts.start(engine);
        HttpScorer scorer = StubContracts.scorer(stub, engine).maxInFlight(1).maxAttempts(1).build()) {
      scorer.score(BINARY, List.of(request()));
      List<Fault> faults = List.of(
          Fault.status(400, "{\"error\":{\"message\":\"bad\"}}"), // refused at once
          Fault.status(503, "busy"), // gives up (maxAttempts 1)
          Fault.truncate(), // malformed JSON
          Fault.json(n -> com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode())); // no field
      for (Fault f : faults) {
        stub.fault(path, f);

        IcmException e = failure(() -> scorer.score(BINARY, List.of(request())));

        assertThat(e.exampleId()).as(e.getMessage()).isEqualTo("c3");
      }
    }
  }

  @Test
  void score_withAFailureInTheSecondPromptOfASglangBatch_namesThatExample() {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.SGLANG).maxInFlight(1).build()) {
      List<ScoreRequest> two = List.of(request(), new ScoreRequest(EXAMPLES.get(3), List.of()));
      scorer.score(BINARY, two);
      stub.fault("/generate", Fault.json(n -> {
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get(1)).remove("meta_info");
        return n;
      }));

      IcmException e = failure(() -> scorer.score(BINARY, two));

      assertThat(e.getMessage()).contains("example 'c4'");
      assertThat(e.exampleId()).isEqualTo("c4");
    }
  }

  @Test
  void score_withAFailureInTheSecondPromptOfAVllmOrLlamaCppBatch_namesThatExample() {
    List<ScoreRequest> two = List.of(request(), new ScoreRequest(EXAMPLES.get(3), List.of()));
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).build()) {
      scorer.score(BINARY, two);
      stub.fault("/v1/completions", Fault.json(n -> {
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("choices").get(1)).remove("logprobs");
        return n;
      }));

      assertThat(failure(() -> scorer.score(BINARY, two)).exampleId()).isEqualTo("c4");
    }
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).batchSize(2).build()) {
      scorer.score(BINARY, two);
      stub.fault("/completion", Fault.json(n -> {
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get(1)).remove("completion_probabilities");
        return n;
      }));

      assertThat(failure(() -> scorer.score(BINARY, two)).exampleId()).isEqualTo("c4");
    }
  }

  @Test
  void score_whenTheServerCannotTokenizeAnExamplesPrompt_namesTheExample() {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.SGLANG).maxInFlight(1).build()) {
      Example odd = Example.of("odd-1", "claim the sky is purple so");

      IcmException e = failure(() -> scorer.score(BINARY, List.of(new ScoreRequest(odd, List.of()))));

      assertThat(e.getMessage()).startsWith("the prompt of example 'odd-1': tokenizing 'claim the sky is purple so'");
      assertThat(e.exampleId()).isEqualTo("odd-1");
      assertThat(e).isInstanceOf(InferenceServerException.class);
    }
  }

  @Test
  void score_aPositiveLogProb_isCalledAboveZeroNotNonFinite() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).build()) {
      scorer.score(BINARY, List.of(request()));
      stub.fault("/completion", Fault.json(n -> {
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("completion_probabilities").get(0)).put("logprob", 0.6931);
        return n;
      }));

      IcmException e = failure(() -> scorer.score(BINARY, List.of(request())));

      assertThat(e.getMessage())
          .contains("the log-probability 0.6931 for token 3, which is above 0, that is a probability of 1.99")
          .doesNotContain("not a finite");
      assertThat(e.exampleId()).isEqualTo("c3");
    }
  }

  @Test
  void build_whenTheServerCannotBeReached_throwsAPublicExceptionType() {
    IcmException e = failure(() -> HttpScorer.builder().endpoint("http://127.0.0.1:9").engine(Engine.VLLM)
        .maxAttempts(1).build());

    assertThat(e).isInstanceOf(InferenceServerException.class);
    assertThat(java.lang.reflect.Modifier.isPublic(e.getClass().getModifiers())).isTrue();
    assertThat(e.getClass().getName()).doesNotContain("$");
    assertThat(e.toString()).startsWith("org.icm4j.http.InferenceServerException: the model query (GET /v1/models): gave up");
  }
}
