package org.icm4j.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreRequest;

/**
 * Shared set-up of the stub tests (HttpScorerTest, HttpScorerFaultTest, HttpScorerContextTest, ...):
 * a stub per engine, a scorer on it, the toy examples, one request and how a failure is caught.
 */
final class StubContracts {
  private StubContracts() {}

  static StubServer start(Engine engine) {
    try {
      return new StubServer(engine);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static HttpScorer.Builder scorer(StubServer stub, Engine engine) {
    return HttpScorer.builder()
        .endpoint(stub.url())
        .engine(engine)
        .layout(new org.icm4j.text.PromptLayout(java.util.Map.of("True", " True", "False", " False"), "\n"))
        .backoff(java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(50));
  }

  /** Word prompts of the toy vocabulary. */
  static List<Example> examples() {
    return List.of(
        Example.of("c1", "claim the sky is blue so"),
        Example.of("c2", "claim the grass is green so"),
        Example.of("c3", "claim fire is cold so"),
        Example.of("c4", "claim ice is hot so"),
        Example.of("c5", "claim water is wet so"),
        Example.of("c6", "claim the sun is red so"),
        Example.of("c7", "claim the moon is dry so"));
  }

  /** The scoring path of {@code engine}'s API. */
  static String path(Engine engine) {
    switch (engine) {
      case LLAMA_CPP: return "/completion";
      case VLLM: return "/v1/completions";
      case SGLANG: return "/generate";
      default: throw new AssertionError(engine);
    }
  }

  /** Example c3 asked with c1 (True) and c2 (False) as its context. */
  static ScoreRequest request() {
    List<Example> examples = examples();
    return new ScoreRequest(
        examples.get(2),
        List.of(new LabelledExample(examples.get(0), "True"), new LabelledExample(examples.get(1), "False")));
  }

  /** The {@link IcmException} {@code r} throws; fails the test when it throws none. */
  static IcmException failure(Runnable r) {
    try {
      r.run();
    } catch (IcmException e) {
      return e;
    }
    throw new AssertionError("no IcmException");
  }
}
