package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.icm4j.result.IterationRecord;
import org.icm4j.search.Searches;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.search.SearchStrategy;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A scorer that fails: on an executor the first failure stops every other chain before {@code
 * run} throws, and whatever the scorer throws reaches the caller with the example named.
 */
class ChainFailureTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(12, 3));
  private static final int CHAINS = 4;

  private final ExecutorService pool = Executors.newFixedThreadPool(CHAINS);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private static Icm.Builder builder(LabelScorer scorer, boolean paper) {
    Icm.Builder b = Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(3).chains(CHAINS);
    return paper ? b.search(Searches.paper().withIterations(3000)) : b;
  }

  private static SearchStrategy search(boolean paper) {
    return paper ? Searches.paper() : Searches.multiStart();
  }

  /**
   * Answers as the planted world does, 1 ms a call; fails on the thread running chain 0 once that
   * chain has reported a few iterations, and counts the calls made after that and after {@code
   * run} threw.
   */
  private static final class FailsInChainZero implements LabelScorer, IcmListener {
    volatile Thread chainZero;
    final AtomicInteger callsInChainZero = new AtomicInteger();
    final AtomicBoolean failed = new AtomicBoolean();
    final AtomicBoolean runThrew = new AtomicBoolean();
    final AtomicInteger callsAfterFailure = new AtomicInteger();
    final AtomicInteger callsAfterRunThrew = new AtomicInteger();

    @Override
    public void onIteration(int batchIndex, int chainIndex, IterationRecord record) {
      if (chainIndex == 0) {
        chainZero = Thread.currentThread();
      }
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      if (runThrew.get()) {
        callsAfterRunThrew.incrementAndGet();
      }
      if (failed.get()) {
        callsAfterFailure.incrementAndGet();
      }
      if (Thread.currentThread() == chainZero && callsInChainZero.incrementAndGet() == 5) {
        failed.set(true);
        throw new IllegalStateException("the model crashed");
      }
      LockSupport.parkNanos(1_000_000);
      return WORLD.scorer().score(labels, requests);
    }
  }

  @ParameterizedTest(name = "paper annealing: {0}")
  @ValueSource(booleans = {false, true})
  void aFailingChainOnAnExecutor_stopsTheOthers_andRunThrowsOnlyWhenNoneCallsTheScorer(boolean paper)
      throws InterruptedException {
    FailsInChainZero scorer = new FailsInChainZero();
    Icm icm = builder(scorer, paper).listener(scorer).executor(pool).build();

    IcmException e = catchThrowableOfType(IcmException.class, () -> icm.run(WORLD.examples()));
    scorer.runThrew.set(true);
    Thread.sleep(200);

    assertThat(e).isNotNull().hasMessageContaining("the model crashed").hasMessageContaining("example '");
    assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
    assertThat(scorer.failed).isTrue();
    // each other chain may finish the call it was in when chain 0 failed; none starts another
    // (a margin for a descheduled thread between the failure and the flag it raises)
    assertThat(scorer.callsAfterFailure.get()).isLessThanOrEqualTo(3 * (CHAINS - 1));
    assertThat(scorer.callsAfterRunThrew).hasValue(0);
    // the pool is idle: every chain has returned
    pool.shutdown();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void chainsFailingAtOnce_throwTheFirstFailure_withTheOthersSuppressed() {
    CyclicBarrier allInside = new CyclicBarrier(CHAINS);
    AtomicInteger failures = new AtomicInteger();
    LabelScorer failsTogether =
        (labels, requests) -> {
          try {
            allInside.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException | BrokenBarrierException | TimeoutException x) {
            throw new AssertionError("the chains did not all reach the scorer", x);
          }
          throw new IllegalStateException("failure " + failures.incrementAndGet());
        };

    IcmException e =
        catchThrowableOfType(
            IcmException.class,
            () -> builder(failsTogether, true).executor(pool).build().run(WORLD.examples()));

    assertThat(e).isNotNull();
    assertThat(e.getSuppressed()).hasSize(CHAINS - 1);
    List<String> messages = new java.util.ArrayList<>();
    messages.add(e.getCause().getMessage());
    for (Throwable s : e.getSuppressed()) {
      assertThat(s).isInstanceOf(IcmException.class);
      messages.add(s.getCause().getMessage());
    }
    assertThat(messages).containsExactlyInAnyOrder("failure 1", "failure 2", "failure 3", "failure 4");
  }

  @Test
  void anExecutorThatRefusesAChain_failsTheRun_afterTheChainsItTookHaveStopped() throws InterruptedException {
    AtomicInteger accepted = new AtomicInteger();
    java.util.concurrent.Executor twoOnly =
        task -> {
          if (accepted.incrementAndGet() > 2) {
            throw new RejectedExecutionException("queue full");
          }
          pool.execute(task);
        };
    AtomicBoolean runThrew = new AtomicBoolean();
    AtomicInteger callsAfter = new AtomicInteger();
    LabelScorer slow =
        (labels, requests) -> {
          if (runThrew.get()) {
            callsAfter.incrementAndGet();
          }
          LockSupport.parkNanos(1_000_000);
          return WORLD.scorer().score(labels, requests);
        };

    Throwable e = catchThrowable(() -> builder(slow, true).executor(twoOnly).build().run(WORLD.examples()));
    runThrew.set(true);
    Thread.sleep(100);

    assertThat(e).isInstanceOf(RejectedExecutionException.class).hasMessage("queue full");
    assertThat(callsAfter).hasValue(0);
  }

  // ---- what a scorer throws ----

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }

  private static final List<Example> ABC =
      List.of(Example.of("a", "claim a"), Example.of("b", "claim b"), Example.of("c", "claim c"));

  private static LabelScorer throwing(Throwable t) {
    return (labels, requests) -> {
      throw sneaky(t);
    };
  }

  @ParameterizedTest(name = "paper annealing: {0}")
  @ValueSource(booleans = {false, true})
  void aCheckedExceptionFromTheScorer_isWrappedNamingTheExample(boolean paper) {
    IOException io = new IOException("connection reset");

    IcmException e =
        catchThrowableOfType(
            IcmException.class,
            () -> Icm.builder().scorer(throwing(io)).search(search(paper)).seed(1).initialLabels(3).build().run(ABC));

    assertThat(e).isNotNull().isNotInstanceOf(InvalidScoreException.class);
    assertThat(e.getCause()).isSameAs(io);
    assertThat(e.exampleId()).isEqualTo("a");
    assertThat(e).hasMessageContaining("'a'").hasMessageContaining("connection reset");
  }

  @Test
  void anErrorFromTheScorer_isWrappedNamingTheExample_onTheCallingThreadAndOnAnExecutor() {
    UnsatisfiedLinkError missing = new UnsatisfiedLinkError("no torch in java.library.path");
    for (boolean onPool : new boolean[] {false, true}) {
      Icm.Builder b = Icm.builder().scorer(throwing(missing)).seed(1).initialLabels(3).chains(2);
      if (onPool) {
        b.executor(pool);
      }

      IcmException e = catchThrowableOfType(IcmException.class, () -> b.build().run(ABC));

      assertThat(e).as("on the pool: %s", onPool).isNotNull();
      assertThat(e.getCause()).isSameAs(missing);
      assertThat(e.exampleId()).isEqualTo("a");
      assertThat(e).hasMessageContaining("'a'").hasMessageContaining("no torch");
    }
  }

  @Test
  void aVirtualMachineErrorFromTheScorer_passesUnchanged() {
    OutOfMemoryError oom = new OutOfMemoryError("Java heap space");

    Throwable e =
        catchThrowable(() -> Icm.builder().scorer(throwing(oom)).seed(1).initialLabels(3).build().run(ABC));

    assertThat(e).isSameAs(oom);
  }
}
