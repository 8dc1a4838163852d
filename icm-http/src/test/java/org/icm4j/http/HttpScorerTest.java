package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.icm4j.http.StubContracts.request;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.http.StubServer.Fault;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HttpScorerTest {

  private static final LabelSpace BINARY = LabelSpace.binary();
  private static final List<Example> EXAMPLES = StubContracts.examples();

  /** The toy model's log-probability of {@code label} after the layout written out by hand. */
  private static double expected(ToyLm lm, String text, String label) {
    double[] lp = lm.nextTokenLogProbs(ToyLm.encode(text, 0));
    // servers write float log-probabilities in their shortest decimal form
    return Double.parseDouble(Float.toString((float) lp[ToyLm.WORDS.indexOf(label)]));
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void score_givesTheModelsLogProbsOfTheLabelTokensAfterTheLaidOutPrompt(Engine engine) {
    try (StubServer stub = StubContracts.start(engine);
        HttpScorer scorer = StubContracts.scorer(stub, engine).build()) {
      ScoreResult r = scorer.score(BINARY, List.of(request()));

      String text = "claim the sky is blue so True\nclaim the grass is green so False\nclaim fire is cold so";
      assertThat(r.row(0)).containsExactly(
          new double[] {expected(stub.lm(), text, "True"), expected(stub.lm(), text, "False")}, within(1e-12));
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void score_sumsTheTokensOfAMultiTokenLabel(Engine engine) {
    LabelSpace space = LabelSpace.of("yes", "no");
    PromptLayout layout = new PromptLayout(Map.of("yes", " so True", "no", " so False"), "\n");
    try (StubServer stub = StubContracts.start(engine);
        HttpScorer scorer = StubContracts.scorer(stub, engine).layout(layout).labels(space).build()) {
      Example q = Example.of("q", "claim ice is hot");
      ScoreResult r = scorer.score(space, List.of(new ScoreRequest(q, List.of())));

      double yes = expected(stub.lm(), "claim ice is hot", "so") + expected(stub.lm(), "claim ice is hot so", "True");
      double no = expected(stub.lm(), "claim ice is hot", "so") + expected(stub.lm(), "claim ice is hot so", "False");
      assertThat(r.row(0)).containsExactly(new double[] {yes, no}, within(1e-12));
    }
  }

  @Test
  void score_withLlamaCppBatchesOfPromptsEqualsOnePromptPerRequest() {
    List<ScoreRequest> requests = new ArrayList<>();
    for (int i = 0; i < EXAMPLES.size(); i++) {
      requests.add(new ScoreRequest(EXAMPLES.get(i), List.of(new LabelledExample(EXAMPLES.get((i + 1) % EXAMPLES.size()), "True"))));
    }
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer one = StubContracts.scorer(stub, Engine.LLAMA_CPP).build();
        HttpScorer batched = StubContracts.scorer(stub, Engine.LLAMA_CPP).batchSize(3).build()) {
      ScoreResult a = one.score(BINARY, requests);
      int before = stub.hits("/completion");
      ScoreResult b = batched.score(BINARY, requests);

      assertThat(stub.hits("/completion") - before).as("3 batches x 2 labels + 1 x 2").isEqualTo(6);
      for (int i = 0; i < requests.size(); i++) {
        assertThat(b.row(i)).containsExactly(a.row(i));
      }
    }
  }

  @Test
  void scoreLeaveOneOut_divideAndConquerMakesTheServerEvaluateFewerTokensThanSharedPrefixAndPlain() {
    List<LabelledExample> labelled = new ArrayList<>();
    for (int i = 0; i < EXAMPLES.size(); i++) {
      labelled.add(new LabelledExample(EXAMPLES.get(i), i % 2 == 0 ? "True" : "False"));
    }
    long[] evaluated = new long[3];
    ScoreResult[] results = new ScoreResult[3];
    HttpScorer.LeaveOneOut[] modes = HttpScorer.LeaveOneOut.values();
    for (int m = 0; m < modes.length; m++) {
      try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
          HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).leaveOneOut(modes[m]).build()) {
        ServerCounters before = scorer.counters();
        results[m] = scorer.scoreLeaveOneOut(BINARY, labelled);
        evaluated[m] = scorer.counters().minus(before).evaluatedTokens();
        assertThat(results[m].tokens()).isEqualTo(evaluated[m]);
      }
    }
    // PLAIN turns the cache off: each prompt whole, twice (one request per label)
    assertThat(evaluated[2]).isLessThan(evaluated[1]);
    assertThat(evaluated[1]).isLessThan(evaluated[0]);
    for (int i = 0; i < labelled.size(); i++) {
      assertThat(results[0].row(i)).containsExactly(results[1].row(i));
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void score_retriesA500AndSucceeds(Engine engine) {
    try (StubServer stub = StubContracts.start(engine);
        HttpScorer scorer = StubContracts.scorer(stub, engine).maxInFlight(1).build()) {
      double[] clean = scorer.score(BINARY, List.of(request())).row(0);
      stub.fault(StubContracts.path(engine), Fault.status(500, "{\"error\":{\"message\":\"CUDA error\"}}"), Fault.status(503, "busy"));
      long before = scorer.counters().retries();

      double[] again = scorer.score(BINARY, List.of(request())).row(0);

      assertThat(again).containsExactly(clean);
      assertThat(scorer.counters().retries() - before).isEqualTo(2);
    }
  }

  @Test
  void score_waitsAsLongAsRetryAfterSaysOnA429() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).build()) {
      stub.fault("/v1/completions", Fault.retryAfter(1));
      long start = System.nanoTime();

      scorer.score(BINARY, List.of(request()));

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
      assertThat(scorer.counters().retries()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void score_failsAtOnceOnA400QuotingTheServerAndNamingTheExample(Engine engine) {
    try (StubServer stub = StubContracts.start(engine);
        HttpScorer scorer = StubContracts.scorer(stub, engine).maxInFlight(1).build()) {
      stub.fault(StubContracts.path(engine), Fault.status(400, "{\"error\":{\"message\":\"prompt too long for slot\"}}"));
      int before = stub.hits(StubContracts.path(engine));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("'c3'")
          .hasMessageContaining("HTTP 400")
          .hasMessageContaining("'prompt too long for slot'");
      assertThat(stub.hits(StubContracts.path(engine)) - before).isEqualTo(1);
    }
  }

  @Test
  void score_givesUpAfterTimeoutsNamingTheExample() {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.SGLANG).maxInFlight(1)
            .requestTimeout(Duration.ofMillis(200)).maxAttempts(2).build()) {
      stub.fault("/generate", Fault.delay(1500), Fault.delay(1500));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("'c3'")
          .hasMessageContaining("gave up after 2 attempt(s)")
          .hasMessageContaining("no answer within 200 ms");
    }
  }

  @Test
  void score_stopsAtTheDeadline() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1)
            .deadline(Duration.ofMillis(1500)).maxAttempts(100).build()) {
      scorer.score(BINARY, List.of(request())); // tokenizes the prompts
      for (int i = 0; i < 100; i++) {
        stub.fault("/completion", Fault.status(503, "loading model"));
      }
      long start = System.nanoTime();

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("deadline")
          .hasMessageContaining("'loading model'");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void score_atTheDeadline_keepsTheServersLastAnswer_whenTheLastAttemptTimesOut() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1)
            .deadline(Duration.ofMillis(1500)).maxAttempts(100).build()) {
      scorer.score(BINARY, List.of(request())); // tokenizes the prompts
      stub.fault("/completion", Fault.status(503, "loading model"));
      stub.fault("/completion", Fault.delay(5000));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("deadline")
          .hasMessageContaining("no answer within")
          .hasMessageContaining("the next attempt would wait")
          .hasMessageContaining("the server's last answer: HTTP 503: 'loading model'");
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void score_failsOnTruncatedJson(Engine engine) {
    try (StubServer stub = StubContracts.start(engine);
        HttpScorer scorer = StubContracts.scorer(stub, engine).maxInFlight(1).build()) {
      stub.fault(StubContracts.path(engine), Fault.truncate());

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("'c3'")
          .hasMessageContaining("malformed or truncated JSON");
    }
  }

  @Test
  void score_failsOnAMissingField() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).build()) {
      stub.fault("/v1/completions", Fault.json(n -> {
        ((ObjectNode) n.get("choices").get(0)).remove("logprobs");
        return n;
      }));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("'c3'")
          .hasMessageContaining("no field 'logprobs'");
    }
  }

  @Test
  void score_failsWhenVllmAnswersTooFewChoices() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).build()) {
      stub.fault("/v1/completions", Fault.json(n -> {
        ((ArrayNode) n.get("choices")).remove(1);
        return n;
      }));
      ScoreRequest second = new ScoreRequest(EXAMPLES.get(3), List.of());

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request(), second)))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("1 choice(s) for 2 prompt(s)")
          .hasMessageContaining("'c4'");
    }
  }

  @Test
  void score_failsWhenSglangAnswersTheWrongNumberOfLogProbs() {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.SGLANG).maxInFlight(1).build()) {
      stub.fault("/generate", Fault.json(n -> {
        ((ArrayNode) n.get(0).get("meta_info").get("output_token_ids_logprobs").get(0)).remove(1);
        return n;
      }));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("'c3'")
          .hasMessageContaining("1 log-probabilities")
          .hasMessageContaining("expected 2");
    }
  }

  @Test
  void score_failsWhenLlamaCppSamplesAnotherTokenThanTheForcedOne() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).build()) {
      stub.fault("/completion", Fault.json(n -> {
        ((ObjectNode) n.get("completion_probabilities").get(0)).put("id", 7);
        return n;
      }));

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("'c3'")
          .hasMessageContaining("sampled token 7 instead of the forced token 3");
    }
  }

  @Test
  void score_failsWhenLogProbsOfTheLabelsAreNotOverTheFullVocabulary() {
    // vLLM's V0 engine applied allowed_token_ids before the log-probs: every allowed token got 0.0
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(1).build()) {
      Fault masked = Fault.json(n -> {
        ((ArrayNode) n.get("choices").get(0).get("logprobs").get("token_logprobs")).set(0, 0.0);
        return n;
      });
      stub.fault("/v1/completions", masked, masked);

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("'c3'")
          .hasMessageContaining("add up to 2.0 > 1")
          .hasMessageContaining("raw_logprobs");
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void build_failsWhenTheServerTokenizesWithAnotherVocabulary(Engine engine) {
    try (StubServer stub = StubContracts.start(engine)) {
      stub.shiftTokens(1);
      HttpScorer.Builder b = StubContracts.scorer(stub, engine).tokenizer(text -> ToyLm.encode(text, 0));

      assertThatThrownBy(b::build)
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("tokenizes label 'True' (' True') as [4], the local tokenizer as [3]");
    }
  }

  @Test
  void build_failsWhenLlamaCppReportsAnotherVocabularySize() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP)) {
      stub.reportVocabulary(50257);

      assertThatThrownBy(() -> StubContracts.scorer(stub, Engine.LLAMA_CPP).vocabularySize(26).build())
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("vocabulary of 50257 tokens, not the expected 26");
    }
  }

  @Test
  void build_failsWhenALocalTokenIsOutsideTheServersVocabulary() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP)) {
      stub.reportVocabulary(4);

      assertThatThrownBy(() -> StubContracts.scorer(stub, Engine.LLAMA_CPP).tokenizer(t -> ToyLm.encode(t, 0)).build())
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("outside the model's vocabulary of 4: the tokenizer does not belong to this model");
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void build_failsWhenTheServerServesAnotherModel(Engine engine) {
    try (StubServer stub = StubContracts.start(engine)) {
      stub.modelName("Qwen2.5-7B");

      assertThatThrownBy(() -> StubContracts.scorer(stub, engine).model("toy").build())
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("serves model 'Qwen2.5-7B', not the expected 'toy'");
    }
  }

  @Test
  void build_withAMatchingLocalTokenizerScoresAsTheServerTokenizerDoes() {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer server = StubContracts.scorer(stub, Engine.SGLANG).build();
        HttpScorer local = StubContracts.scorer(stub, Engine.SGLANG).tokenizer(t -> ToyLm.encode(t, 0)).build()) {
      int tokenizeCalls = stub.hits("/tokenize");

      double[] viaLocal = local.score(BINARY, List.of(request())).row(0);

      assertThat(stub.hits("/tokenize")).as("no /tokenize while scoring with a local tokenizer").isEqualTo(tokenizeCalls);
      assertThat(viaLocal).containsExactly(server.score(BINARY, List.of(request())).row(0));
    }
  }

  @Test
  void score_failsWhenTheContextExceedsTheServersLimit() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).build()) {
      List<LabelledExample> many = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        many.add(new LabelledExample(Example.of("d" + i, "claim the sky is blue so"), "True"));
      }

      assertThatThrownBy(() -> scorer.score(BINARY, List.of(new ScoreRequest(EXAMPLES.get(0), many))))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("example 'c1'")
          .hasMessageContaining("limit of 256");
    }
  }

  @Test
  void apiKey_isSentAsBearerTokenAndAppearsInNoMessage() {
    String key = "sk-test-5ecret";
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).apiKeyFromEnvironment("ICM4J_TEST_KEY")
            .environment(name -> name.equals("ICM4J_TEST_KEY") ? key : null).maxInFlight(1).build()) {
      scorer.score(BINARY, List.of(request()));
      assertThat(stub.lastAuthorization()).isEqualTo("Bearer " + key);
      assertThat(scorer.toString()).doesNotContain(key);

      stub.fault("/v1/completions", Fault.status(401, "{\"error\":{\"message\":\"bad key\"}}"));
      assertThatThrownBy(() -> scorer.score(BINARY, List.of(request())))
          .hasMessageContaining("HTTP 401")
          .hasMessageContaining("apiKeyFromEnvironment")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(key));
    }
  }

  @Test
  void apiKey_missingVariableFailsAtBuild() {
    assertThatThrownBy(() -> HttpScorer.builder().endpoint("http://127.0.0.1:1").engine(Engine.VLLM)
            .apiKeyFromEnvironment("ICM4J_NOT_SET").environment(name -> null).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ICM4J_NOT_SET is not set");
  }

  @Test
  void maxInFlight_boundsTheRequestsTheServerSeesAtOnce() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(3).build()) {
      stub.latency(50);
      List<ScoreRequest> requests = new ArrayList<>();
      for (Example e : EXAMPLES) {
        requests.add(new ScoreRequest(e, List.of()));
      }

      scorer.score(BINARY, requests);

      assertThat(stub.maxConcurrent()).isEqualTo(3);
    }
  }

  @Test
  void build_failsClearlyWhenNothingListens() {
    assertThatThrownBy(() -> HttpScorer.builder().endpoint("http://127.0.0.1:9").engine(Engine.LLAMA_CPP)
            .maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build())
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("http://127.0.0.1:9/v1/models")
        .hasMessageContaining("connection failed");
  }

  @Test
  void builder_rejectsBadValuesQuotingThem() {
    HttpScorer.Builder b = HttpScorer.builder();
    assertThatThrownBy(() -> b.maxInFlight(0)).hasMessage("maxInFlight must be >= 1, but was 0");
    assertThatThrownBy(() -> b.batchSize(-2)).hasMessage("batchSize must be >= 1, but was -2");
    assertThatThrownBy(() -> b.endpoint("ftp://host")).hasMessageContaining("'ftp://host/'");
    assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO)).hasMessage("requestTimeout must be > 0, but was PT0S");
    assertThatThrownBy(() -> b.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("max backoff must be >= initial backoff");
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("no endpoint set");
    assertThatThrownBy(() -> HttpScorer.builder().endpoint("http://127.0.0.1:1").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no engine set");
  }
}
