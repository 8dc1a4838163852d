package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.spi.ScoreRequest;
import org.junit.jupiter.api.Test;

/** Routing keys and session cookies that keep a batch on one replica behind a router (issue 20). */
class HttpScorerRoutingTest {

  private static final LabelSpace BINARY = LabelSpace.binary();
  private static final List<Example> EXAMPLES = StubContracts.examples();

  private static List<String> valuesOf(List<String> tracked, String path) {
    return tracked.stream().filter(t -> t.startsWith(path + " ")).map(t -> t.substring(path.length() + 1)).toList();
  }

  @Test
  void icmRun_sendsItsBatchsRoutingKeyOnEveryScoringRequest() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.LLAMA_CPP)
            .routingHeader(HttpScorer.SESSION_ID_HEADER).build()) {
      stub.trackHeader("X-Session-ID");

      Icm.builder().scorer(scorer).seed(1).batchSize(4).build().run(EXAMPLES); // batches of 4 and 3

      List<String> keys = valuesOf(stub.tracked(), "/completion");
      assertThat(keys).isNotEmpty().allMatch(k -> k.matches("icm4j-[0-9a-f]{16}"));
      assertThat(keys.stream().distinct().count()).as("one key per batch").isEqualTo(2);
      // the first batch's key on all its requests, then the second's: never interleaved
      String first = keys.get(0);
      int switchAt = keys.indexOf(keys.stream().filter(k -> !k.equals(first)).findFirst().orElseThrow());
      assertThat(keys.subList(switchAt, keys.size())).doesNotContain(first);
    }
  }

  @Test
  void routingKey_isSentOnEveryRequestOfACall() {
    try (StubServer stub = StubContracts.start(Engine.SGLANG);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.SGLANG).maxInFlight(3).batchSize(1)
            .routingHeader(HttpScorer.SGLANG_ROUTING_KEY_HEADER).build()) {
      assertThat(scorer.routingKey()).isNull();
      stub.trackHeader("X-SMG-Routing-Key");
      scorer.routingKey("run-7");

      scorer.score(BINARY, EXAMPLES.stream().map(e -> new ScoreRequest(e, List.of())).toList());

      assertThat(valuesOf(stub.tracked(), "/generate")).hasSize(EXAMPLES.size()).containsOnly("run-7");
      assertThat(scorer.routingKey()).isEqualTo("run-7");
    }
  }

  @Test
  void withoutARoutingHeader_noKeyIsSent() {
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).build()) {
      stub.trackHeader("X-Session-ID");
      scorer.routingKey("k");

      scorer.score(BINARY, List.of(new ScoreRequest(EXAMPLES.get(0), List.of())));

      assertThat(valuesOf(stub.tracked(), "/v1/completions")).containsOnly("null");
    }
  }

  @Test
  void sessionCookies_sendBackTheCookieTheServerSet_untilTheRoutingKeyChanges() {
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP)) {
      stub.setCookie("route=replica-2; Path=/");
      try (HttpScorer jar = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).sessionCookies(true).build();
          HttpScorer none = StubContracts.scorer(stub, Engine.LLAMA_CPP).maxInFlight(1).build()) {
        stub.trackHeader("Cookie");
        ScoreRequest one = new ScoreRequest(EXAMPLES.get(0), List.of());

        jar.score(BINARY, List.of(one));
        assertThat(valuesOf(stub.tracked(), "/completion")).containsOnly("route=replica-2");

        jar.routingKey("next-batch"); // a new session: the jar is emptied
        jar.score(BINARY, List.of(one));
        List<String> after = valuesOf(stub.tracked(), "/completion");
        assertThat(after.get(after.size() - 2)).isEqualTo("null");
        assertThat(after.get(after.size() - 1)).isEqualTo("route=replica-2");

        int before = after.size();
        none.score(BINARY, List.of(one));
        assertThat(valuesOf(stub.tracked(), "/completion").subList(before, before + 2)).containsOnly("null");
      }
    }
  }

  @Test
  void builder_andRoutingKey_rejectBadValuesQuotingThem() {
    assertThatThrownBy(() -> HttpScorer.builder().routingHeader("Host"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("routingHeader 'Host' is not a header name a client may set");
    assertThatThrownBy(() -> HttpScorer.builder().routingHeader(" "))
        .hasMessage("routingHeader must not be blank");
    try (StubServer stub = StubContracts.start(Engine.VLLM);
        HttpScorer scorer = StubContracts.scorer(stub, Engine.VLLM).build()) {
      assertThatThrownBy(() -> scorer.routingKey("a b"))
          .hasMessage("routing key must be non-blank printable ASCII without spaces, but was 'a b'");
    }
  }
}
