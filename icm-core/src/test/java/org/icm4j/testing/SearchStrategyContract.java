package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.CancellationToken;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.Rules;
import org.icm4j.result.Energy;
import org.icm4j.result.IcmResult;
import org.icm4j.result.LabelSource;
import org.icm4j.result.RunStatus;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.search.SearchStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link SearchStrategy} must meet, as one abstract JUnit 5 test (like {@link
 * ScorerContract} for scorers), run on a small planted world with rules: the same seed gives the
 * same result; the U it reports is the energy of the labels it returns; trusted labels stay;
 * cancellation inside a scorer call starts no other call; a scorer failure reaches the caller; it
 * describes itself stably and its description enters the run's configuration; a finished
 * checkpoint resumes to the same result without a scorer call (its history passes the checks its
 * {@link SearchStrategy#maxIterations()} and {@link SearchStrategy#historyCountsIterations()}
 * promise).
 *
 * <p>A strategy's module runs it by depending on {@code icm-core}'s test-jar (see {@link
 * ScorerContract}) and extending this class:
 *
 * <pre>{@code
 * class MySearchContractTest extends SearchStrategyContract {
 *   @Override protected SearchStrategy strategy() { return new MySearch(20); }
 * }
 * }</pre>
 *
 * Not thread-safe: JUnit creates one instance per test method.
 */
public abstract class SearchStrategyContract {

  @TempDir Path dir;

  /** The strategy under test; two calls must give equal strategies (same settings). */
  protected abstract SearchStrategy strategy();

  /**
   * Groups of four candidates in the planted world (default 6: 24 examples); lower it for a
   * strategy that cannot search that many (the exhaustive search).
   */
  protected int groups() {
    return 6;
  }

  private PlantedWorld world() {
    return PlantedWorld.generate(PlantedWorld.Spec.standard(groups(), 2));
  }

  private Icm.Builder builder(LabelScorer scorer) {
    return Icm.builder()
        .scorer(scorer)
        .rule(Rules.exactlyOne())
        .rule(Rules.answerKey("answer"))
        .search(strategy())
        .initialLabels(4)
        .seed(7);
  }

  /** Counts the scorer's calls; throws or cancels inside call {@code at} if asked to. */
  private static final class Probe implements LabelScorer {
    final AtomicInteger calls = new AtomicInteger();
    final LabelScorer inner;
    final int at;
    final CancellationToken cancel;
    final boolean fail;

    Probe(LabelScorer inner, int at, CancellationToken cancel, boolean fail) {
      this.inner = inner;
      this.at = at;
      this.cancel = cancel;
      this.fail = fail;
    }

    @Override
    public ScoreResult score(LabelSpace space, List<ScoreRequest> requests) {
      if (calls.incrementAndGet() == at) {
        if (fail) {
          throw new IllegalStateException("scorer failure injected by SearchStrategyContract");
        }
        cancel.cancel(); // as another thread would while this call runs
      }
      return inner.score(space, requests);
    }
  }

  @Test
  void theSameSeed_givesTheSameResult() {
    PlantedWorld w = world();
    IcmResult first = builder(w.scorer()).build().run(w.examples());
    IcmResult second = builder(w.scorer()).build().run(w.examples());
    assertThat(second.labels()).isEqualTo(first.labels());
    assertThat(second.utility()).isEqualTo(first.utility());
    assertThat(second.batches()).isEqualTo(first.batches());
    assertThat(second.counts()).isEqualTo(first.counts());
  }

  @Test
  void theReportedEnergy_isTheEnergyOfTheReturnedLabels() {
    PlantedWorld w = world();
    Icm icm = builder(w.scorer()).build();
    IcmResult r = icm.run(w.examples());
    assertThat(r.status()).isEqualTo(RunStatus.COMPLETE);
    Energy e = icm.energy(w.examples(), r.labels());
    assertThat(r.utility()).isCloseTo(e.utility(), within(1e-9));
    assertThat(r.inconsistency()).isEqualTo(e.inconsistency());
    assertThat(r.labels().labelledCount()).isEqualTo(w.examples().size()); // completed if not labelled
  }

  @Test
  void trustedLabels_stay() {
    PlantedWorld w = world();
    Example first = w.examples().get(0);
    Example second = w.examples().get(5);
    Map<String, String> trusted = new HashMap<>();
    trusted.put(first.id(), "False");
    trusted.put(second.id(), "False");
    IcmResult r =
        builder(w.scorer()).trustedLabels(Labeling.of(LabelSpace.binary(), trusted)).build().run(w.examples());
    assertThat(r.labels().label(first.id())).contains("False");
    assertThat(r.labels().label(second.id())).contains("False");
    assertThat(r.detail(first.id()).orElseThrow().source()).isEqualTo(LabelSource.TRUSTED);
  }

  @Test
  void cancelledInsideAScorerCall_startsNoOtherCall() {
    PlantedWorld w = world();
    CancellationToken token = new CancellationToken();
    Probe probe = new Probe(w.scorer(), 3, token, false);
    IcmResult r = builder(probe).build().run(w.examples(), token);
    assertThat(r.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(probe.calls.get()).isEqualTo(3);
  }

  @Test
  void aScorerFailure_reachesTheCaller() {
    PlantedWorld w = world();
    Probe probe = new Probe(w.scorer(), 4, new CancellationToken(), true);
    Throwable t = catchThrowable(() -> builder(probe).build().run(w.examples()));
    assertThat(t).isNotNull();
    Throwable root = t;
    while (root.getCause() != null && root.getMessage() != null
        && !root.getMessage().contains("injected by SearchStrategyContract")) {
      root = root.getCause();
    }
    assertThat(root).hasMessageContaining("injected by SearchStrategyContract");
    assertThat(probe.calls.get()).isEqualTo(4);
  }

  @Test
  void itDescribesItselfStably_andTheRunRecordsIt() {
    Map<String, String> d = strategy().describe();
    assertThat(d).containsKey("search").isEqualTo(strategy().describe());
    assertThat(strategy()).isEqualTo(strategy()).hasSameHashCodeAs(strategy());
    PlantedWorld w = world();
    Map<String, String> configuration = builder(w.scorer()).build().configuration();
    assertThat(configuration).containsAllEntriesOf(d);
  }

  @Test
  void aFinishedCheckpoint_resumesToTheSameResultWithoutAScorerCall() {
    PlantedWorld w = world();
    Path file = dir.resolve("run.ckpt");
    int batchSize = 4 * ((groups() + 1) / 2); // two batches
    Probe writer = new Probe(w.scorer(), -1, new CancellationToken(), false);
    IcmResult first = builder(writer).batchSize(batchSize).checkpoint(file, 5).build().run(w.examples());
    assertThat(first.batches()).hasSize(2);
    assertThat(writer.calls.get()).isPositive();
    Probe probe = new Probe(w.scorer(), -1, new CancellationToken(), false);
    IcmResult resumed = builder(probe).batchSize(batchSize).checkpoint(file, 5).build().run(w.examples());
    assertThat(resumed.labels()).isEqualTo(first.labels());
    assertThat(resumed.batches()).isEqualTo(first.batches());
    assertThat(probe.calls.get()).isZero();
  }
}
