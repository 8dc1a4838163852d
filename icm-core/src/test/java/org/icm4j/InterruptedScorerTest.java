package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.icm4j.RunAssertions.assertSameRun;
import static org.icm4j.RunAssertions.assertSameSearch;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.icm4j.result.ChainSummary;
import org.icm4j.result.Energy;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.RunStatus;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An interrupt while the scorer blocks (in I/O, a sleep, a queue) cancels the run instead of
 * failing it: status CANCELLED, the best labeling the chain had evaluated, the interrupt flag set,
 * and a checkpoint from which a later run resumes to the uninterrupted result.
 */
class InterruptedScorerTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(8, 4));

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
    Thread.interrupted();
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }

  /** How a scorer reports that its wait was interrupted: the forms seen in the wild. */
  private static final Function<InterruptedException, RuntimeException> WRAPPED =
      e -> new IllegalStateException("wait interrupted", e);

  private static RuntimeException as(String form, InterruptedException e) {
    switch (form) {
      case "wrapped":
        return WRAPPED.apply(e); // the flag cleared, the cause kept
      case "io":
        return new UncheckedIOException(new InterruptedIOException("read interrupted"));
      case "channel":
        return sneaky(new ClosedByInterruptException());
      case "icm":
        Thread.currentThread().interrupt(); // as icm-http does: flag restored, cause kept
        return new IcmException("interrupted while scoring", e);
      case "sneaky":
        return sneaky(e);
      default:
        throw new AssertionError(form);
    }
  }

  /**
   * The planted world's answers; from call {@code blockAt} on (once armed), blocks until
   * interrupted and then fails in the given form.
   */
  private static final class BlockingScorer implements LabelScorer {
    final String form;
    final int blockAt;
    final AtomicInteger calls = new AtomicInteger();
    final CountDownLatch blocked = new CountDownLatch(1);
    final AtomicBoolean returned = new AtomicBoolean();
    final AtomicInteger callsAfterReturn = new AtomicInteger();
    /** The threads that called: a test that shuts the executor down waits until every chain runs. */
    final java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    volatile boolean armed = true;

    BlockingScorer(String form, int blockAt) {
      this.form = form;
      this.blockAt = blockAt;
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      threads.add(Thread.currentThread());
      if (returned.get()) {
        callsAfterReturn.incrementAndGet();
      }
      if (armed && calls.incrementAndGet() >= blockAt) {
        blocked.countDown();
        try {
          Thread.sleep(20_000);
        } catch (InterruptedException e) {
          throw as(form, e);
        }
        throw new AssertionError("not interrupted within 20 s");
      }
      return WORLD.scorer().score(labels, requests);
    }
  }

  private static Icm.Builder builder(LabelScorer scorer, boolean paper) {
    Icm.Builder b = Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).rule(Rules.answerKey("answer")).seed(9);
    return paper ? b.search(Searches.paper().withIterations(80)).scoreMemo(0) : b;
  }

  /** Interrupts {@code target} once the scorer blocks. */
  private static Thread interruptWhenBlocked(BlockingScorer scorer, Thread target) {
    Thread t =
        new Thread(
            () -> {
              try {
                if (scorer.blocked.await(30, TimeUnit.SECONDS)) {
                  target.interrupt();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    t.start();
    return t;
  }

  @ParameterizedTest(name = "{0}, paper annealing: {1}")
  @CsvSource({"wrapped, false", "io, false", "channel, true", "icm, true", "sneaky, false", "wrapped, true"})
  void interruptOfTheCallingThread_whileTheScorerBlocks_cancelsTheRun_andItResumes(String form, boolean paper)
      throws Exception {
    BlockingScorer plain = new BlockingScorer(form, 40);
    plain.armed = false; // the same class, never blocking: the uninterrupted run
    IcmResult uninterrupted = builder(plain, paper).build().run(WORLD.examples());
    Path file = dir.resolve("run.ckpt");
    BlockingScorer scorer = new BlockingScorer(form, 40);
    Thread helper = interruptWhenBlocked(scorer, Thread.currentThread());

    IcmResult cancelled = builder(scorer, paper).checkpoint(file, 1).build().run(WORLD.examples());
    boolean flag = Thread.interrupted();
    helper.join();

    assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(flag).as("interrupt flag restored").isTrue();
    assertBestKnownLabeling(cancelled, paper);
    assertThat(Files.exists(file)).isTrue();

    scorer.armed = false;
    IcmResult resumed = builder(scorer, paper).checkpoint(file, 1).build().run(WORLD.examples());
    assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETE);
    if (paper) {
      assertSameRun(uninterrupted, resumed); // the annealing without a memo: even the counts
    } else {
      assertSameSearch(uninterrupted, resumed);
    }
  }

  /**
   * The result's energy is that of its labels, and at least that of every labeling its history
   * reports: the best labeling the chain had evaluated.
   */
  private static void assertBestKnownLabeling(IcmResult r, boolean paper) {
    BlockingScorer plain = new BlockingScorer("wrapped", 1);
    plain.armed = false;
    Energy e = builder(plain, paper).build().energy(WORLD.examples(), r.labels());
    assertThat(r.utility()).isEqualTo(e.utility());
    assertThat(r.inconsistency()).isEqualTo(e.inconsistency());
    for (IterationRecord rec : r.history()) {
      assertThat(r.utility()).isGreaterThanOrEqualTo(rec.utility());
    }
  }

  @ParameterizedTest(name = "{0}, paper annealing: {1}")
  @CsvSource({"wrapped, false", "icm, true"})
  void interruptOfTheCallingThread_reachesAScorerBlockedOnAnExecutor(String form, boolean paper)
      throws Exception {
    BlockingScorer scorer = new BlockingScorer(form, 30);
    Thread helper = interruptWhenBlocked(scorer, Thread.currentThread());
    // an executor of its own threads, to see whether each is given back interrupted
    List<Boolean> leftInterrupted = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    List<Thread> threads = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.Executor own =
        task -> {
          Thread t =
              new Thread(
                  () -> {
                    task.run();
                    leftInterrupted.add(Thread.currentThread().isInterrupted());
                  });
          threads.add(t);
          t.start();
        };

    IcmResult r = builder(scorer, paper).chains(2).executor(own).build().run(WORLD.examples());
    boolean flag = Thread.interrupted();
    scorer.returned.set(true);
    helper.join();
    for (Thread t : List.copyOf(threads)) {
      t.join(5000);
    }

    assertThat(r.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(flag).as("the calling thread's interrupt flag restored").isTrue();
    assertThat(r.batches().get(0).chains()).hasSize(2).allMatch(ChainSummary::cancelled);
    // the interrupt was the run's, passed on to the chains: their threads are given back without it
    assertThat(leftInterrupted).containsExactly(false, false);
    assertThat(scorer.callsAfterReturn).hasValue(0);
  }

  @ParameterizedTest(name = "paper annealing: {0}")
  @CsvSource({"false", "true"})
  void anExecutorShutDownNow_whileTheScorerBlocks_cancelsTheRun(boolean paper) throws Exception {
    BlockingScorer scorer = new BlockingScorer("wrapped", 30);
    Thread stopper =
        new Thread(
            () -> {
              try {
                if (scorer.blocked.await(30, TimeUnit.SECONDS)) {
                  // both chains are on the executor (a chain not yet handed to it when it shuts
                  // down is refused, which this test is not about)
                  long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                  while (scorer.threads.size() < 2 && System.nanoTime() < until) {
                    Thread.sleep(1);
                  }
                  pool.shutdownNow(); // interrupts the executor's threads, not the caller
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    stopper.start();

    IcmResult r = builder(scorer, paper).chains(2).executor(pool).build().run(WORLD.examples());
    scorer.returned.set(true);
    stopper.join();

    assertThat(r.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(scorer.callsAfterReturn).hasValue(0);
  }
}
