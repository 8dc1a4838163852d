package org.icm4j.http;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.spi.LabelScorer;
import org.icm4j.testing.ScorerContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared scorer contract for {@link HttpScorer} on a stub answering as Vllm does, {@link Engine#VLLM}. */
class VllmStubContractTest extends ScorerContract {
  private static StubServer stub;
  private static HttpScorer scorer;

  @BeforeAll
  static void start() {
    stub = StubContracts.start(Engine.VLLM);
    scorer = StubContracts.scorer(stub, Engine.VLLM).maxInFlight(3).build();
  }

  @AfterAll
  static void stop() {
    scorer.close();
    stub.close();
  }

  @Override
  protected LabelScorer scorer() {
    return scorer;
  }

  @Override
  protected List<Example> examples() {
    return StubContracts.examples();
  }

  @Override
  protected double tolerance() {
    return 0; // the stub's numbers depend only on the token ids: equal, bit for bit
  }
}
