package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.result.IcmResult;
import org.icm4j.result.RunStatus;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A cancelled run starts no scorer call: it returns within the call in flight (issue 23 item 8: the
 * default search made several calls while building a start without looking at the token, so a run
 * with a 10 s scorer cancelled at 1 s returned after 20 s).
 */
class CancellationWithinOneCallTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(6, 2));

  /** Cancels the token inside its n-th call and counts every call. */
  private static final class CancellingScorer implements LabelScorer {
    final AtomicInteger calls = new AtomicInteger();
    final int cancelAt;
    final CancellationToken token;
    final LabelScorer inner = WORLD.scorer();

    CancellingScorer(int cancelAt, CancellationToken token) {
      this.cancelAt = cancelAt;
      this.token = token;
    }

    @Override
    public ScoreResult score(LabelSpace space, List<ScoreRequest> requests) {
      if (calls.incrementAndGet() == cancelAt) {
        token.cancel(); // as another thread would while this call runs
      }
      return inner.score(space, requests);
    }
  }

  @ParameterizedTest(name = "cancelled in call {0}")
  @ValueSource(ints = {1, 2, 3, 5, 8, 13, 40})
  void theDefaultSearch_startsNoScorerCallAfterCancellation(int cancelAt) {
    CancellationToken token = new CancellationToken();
    CancellingScorer scorer = new CancellingScorer(cancelAt, token);
    IcmResult r =
        Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(4).build().run(WORLD.examples(), token);

    assertThat(scorer.calls.get()).isEqualTo(cancelAt);
    assertThat(r.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(Thread.currentThread().isInterrupted()).isFalse(); // a token is not an interrupt
  }

  @ParameterizedTest(name = "cancelled in call {0}")
  @ValueSource(ints = {1, 2, 7, 30})
  void thePapersAnnealing_startsNoScorerCallAfterCancellation(int cancelAt) {
    CancellationToken token = new CancellationToken();
    CancellingScorer scorer = new CancellingScorer(cancelAt, token);
    IcmResult r =
        Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).search(Searches.paper().withIterations(50))
            .scoreMemo(0).seed(4).build().run(WORLD.examples(), token);

    assertThat(scorer.calls.get()).isEqualTo(cancelAt);
    assertThat(r.status()).isEqualTo(RunStatus.CANCELLED);
  }
}
