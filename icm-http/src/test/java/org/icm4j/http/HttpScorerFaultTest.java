package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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

  private static ScoreRequest request() {
    return new ScoreRequest(
        EXAMPLES.get(2),
        List.of(new LabelledExample(EXAMPLES.get(0), "True"), new LabelledExample(EXAMPLES.get(1), "False")));
  }

  private static IcmException failure(Runnable r) {
    try {
      r.run();
    } catch (IcmException e) {
      return e;
    }
    throw new AssertionError("no IcmException");
  }

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
}
