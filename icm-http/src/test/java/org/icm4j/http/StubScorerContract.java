package org.icm4j.http;

import java.util.List;
import java.util.Optional;
import org.icm4j.Example;
import org.icm4j.spi.LabelScorer;
import org.icm4j.testing.ScorerContract;
import org.icm4j.text.LeaveOneOutOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The shared scorer contract for {@link HttpScorer} on a stub that answers as {@link #engine()}
 * does; one subclass per engine. One stub and scorer per class (JUnit's per-class lifecycle).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StubScorerContract extends ScorerContract {
  private StubServer stub;
  private HttpScorer scorer;

  /** The engine the stub answers as. */
  abstract Engine engine();

  @BeforeAll
  void start() {
    stub = StubContracts.start(engine());
    scorer = StubContracts.scorer(stub, engine()).maxInFlight(3).build();
  }

  @AfterAll
  void stop() {
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
  protected Optional<LeaveOneOutOrder> leaveOneOutOrder() {
    return Optional.of(scorer.leaveOneOutOrder());
  }

  @Override
  protected double tolerance() {
    return 0; // the stub's numbers depend only on the token ids: equal, bit for bit
  }
}
