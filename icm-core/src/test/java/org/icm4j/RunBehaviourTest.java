package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.Provenance;
import org.icm4j.result.RunStatus;
import org.icm4j.search.Searches;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;

/** Batches, the batch hook, listeners, executors, cancellation and provenance. */
class RunBehaviourTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(20, 3));

  private static Icm.Builder builder() {
    return Icm.builder().search(Searches.paper().withIterations(50)).labelEveryExample(false)
        .scorer(WORLD.scorer())
        .rule(Rules.exactlyOne())
        .seed(5);
  }

  @Test
  void batches_neverSplitAGroup_andCoverEveryExampleOnce() {
    IcmResult r = builder().batchSize(18).build().run(WORLD.examples());
    assertThat(r.batches()).hasSizeGreaterThan(1);
    Set<String> seen = new HashSet<>();
    for (BatchSummary b : r.batches()) {
      assertThat(b.exampleIds().size()).isLessThanOrEqualTo(18);
      Set<String> groups = new HashSet<>();
      for (String id : b.exampleIds()) {
        assertThat(seen.add(id)).as("example %s in two batches", id).isTrue();
        groups.add(id.substring(0, id.indexOf('-')));
      }
      for (String g : groups) {
        long inBatch = b.exampleIds().stream().filter(id -> id.startsWith(g + "-")).count();
        assertThat(inBatch).as("group %s whole in batch %s", g, b.index()).isEqualTo(4);
      }
    }
    assertThat(seen).hasSize(WORLD.examples().size());
    assertThat(r.counts().iterations()).isEqualTo(50L * r.batches().size());
  }

  @Test
  void batchHook_runsBetweenBatches_andItsScorerIsUsedAfterwards() {
    AtomicInteger hookCalls = new AtomicInteger();
    AtomicInteger swappedCalls = new AtomicInteger();
    List<Integer> labelledSoFar = new ArrayList<>();
    LabelScorer swapped =
        new LabelScorer() {
          @Override
          public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
            swappedCalls.incrementAndGet();
            return WORLD.scorer().score(labels, requests);
          }
        };
    IcmResult r =
        builder()
            .batchSize(18)
            .batchHook(
                (finished, soFar, current) -> {
                  hookCalls.incrementAndGet();
                  labelledSoFar.add(soFar.labelledCount());
                  assertThat(soFar.size()).isEqualTo(WORLD.examples().size());
                  return swapped;
                })
            .build()
            .run(WORLD.examples());
    assertThat(hookCalls).hasValue(r.batches().size() - 1);
    assertThat(labelledSoFar).isSorted();
    assertThat(labelledSoFar.get(0)).isPositive();
    assertThat(swappedCalls.get()).isPositive();
  }

  @Test
  void listener_seesEveryIterationProposalChainAndBatch() {
    AtomicInteger iterations = new AtomicInteger();
    AtomicInteger proposals = new AtomicInteger();
    AtomicInteger chainEnds = new AtomicInteger();
    AtomicInteger batchStarts = new AtomicInteger();
    List<BatchSummary> batchEnds = Collections.synchronizedList(new ArrayList<>());
    IcmListener listener =
        new IcmListener() {
          @Override
          public void onBatchStart(int batchIndex, int batchCount, int examples) {
            batchStarts.incrementAndGet();
          }

          @Override
          public void onProposal(int b, int c, int it, String id, String label) {
            proposals.incrementAndGet();
          }

          @Override
          public void onIteration(int b, int c, IterationRecord record) {
            iterations.incrementAndGet();
          }

          @Override
          public void onChainEnd(int b, int c, double utility, boolean cancelled) {
            chainEnds.incrementAndGet();
          }

          @Override
          public void onBatchEnd(BatchSummary summary) {
            batchEnds.add(summary);
          }
        };
    IcmResult r = builder().batchSize(40).chains(3).listener(listener).build().run(WORLD.examples());
    int batches = r.batches().size();
    assertThat(iterations).hasValue(50 * 3 * batches);
    assertThat(proposals).hasValue(50 * 3 * batches);
    assertThat(chainEnds).hasValue(3 * batches);
    assertThat(batchStarts).hasValue(batches);
    assertThat(batchEnds).isEqualTo(r.batches());
  }

  @Test
  void labelObservingListener_seesEachIterationsLabeling_theLastEqualsTheResult() {
    List<Labeling> seen = new ArrayList<>();
    List<IterationRecord> records = new ArrayList<>();
    IcmListener listener =
        new IcmListener() {
          @Override
          public boolean observesLabels() {
            return true;
          }

          @Override
          public void onIteration(int b, int c, IterationRecord record) {
            records.add(record);
          }

          @Override
          public void onLabels(int b, int c, int iteration, Labeling labels) {
            assertThat(iteration).isEqualTo(records.get(records.size() - 1).iteration());
            seen.add(labels);
          }
        };
    IcmResult r = builder().listener(listener).build().run(WORLD.examples());
    assertThat(seen).hasSize(50);
    for (int i = 0; i < seen.size(); i++) {
      // the labeling agrees with the record's labelled count, and changes only on accepted moves
      assertThat(seen.get(i).asMap()).hasSize(records.get(i).labelled());
      if (i > 0 && !records.get(i).accepted()) {
        assertThat(seen.get(i).asMap()).isEqualTo(seen.get(i - 1).asMap());
      }
    }
    assertThat(seen.get(seen.size() - 1).asMap()).isEqualTo(r.labels().asMap());
    // a listener that does not observe labels is never given them
    AtomicInteger calls = new AtomicInteger();
    builder()
        .listener(
            new IcmListener() {
              @Override
              public void onLabels(int b, int c, int iteration, Labeling labels) {
                calls.incrementAndGet();
              }
            })
        .build()
        .run(WORLD.examples());
    assertThat(calls).hasValue(0);
  }

  @Test
  void chainsOnAnExecutor_giveTheSameResultAsSequentialChains() {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      IcmResult sequential = builder().chains(3).build().run(WORLD.examples());
      IcmResult parallel = builder().chains(3).executor(pool).build().run(WORLD.examples());
      assertThat(parallel.labels()).isEqualTo(sequential.labels());
      assertThat(parallel.batches()).isEqualTo(sequential.batches());
      assertThat(parallel.counts()).isEqualTo(sequential.counts());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void cancellation_returnsAPartialResultMarkedCancelled() {
    CancellationToken token = new CancellationToken();
    IcmResult r =
        builder()
            .search(Searches.paper().withIterations(500))
            .listener(
                new IcmListener() {
                  @Override
                  public void onIteration(int b, int c, IterationRecord record) {
                    if (record.iteration() == 17) {
                      token.cancel();
                    }
                  }
                })
            .build()
            .run(WORLD.examples(), token);
    assertThat(r.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(r.isComplete()).isFalse();
    assertThat(r.history()).hasSize(17);
    assertThat(r.batches().get(0).cancelled()).isTrue();
  }

  @Test
  void interrupt_cancelsTheRun_andKeepsTheInterruptFlag() {
    IcmResult r =
        builder()
            .search(Searches.paper().withIterations(500))
            .listener(
                new IcmListener() {
                  @Override
                  public void onIteration(int b, int c, IterationRecord record) {
                    if (record.iteration() == 5) {
                      Thread.currentThread().interrupt();
                    }
                  }
                })
            .build()
            .run(WORLD.examples());
    try {
      assertThat(r.status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(r.history()).hasSize(5);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void provenance_recordsVersionConfigurationSeedAndPlatform() {
    IcmResult r = builder().alpha(30).build().run(WORLD.examples());
    Provenance p = r.provenance();
    assertThat(p.libraryVersion()).isNotBlank().isNotEqualTo("unknown");
    assertThat(p.seed()).isEqualTo(5);
    assertThat(p.configuration())
        .containsEntry("alpha", "30.0")
        .containsEntry("seed", "5")
        .containsEntry("rules", "[exactlyOne]")
        .containsEntry("iterations", "50")
        .containsKey("schedule");
    assertThat(p.javaVersion()).isEqualTo(System.getProperty("java.version"));
    assertThat(p.arch()).isEqualTo(System.getProperty("os.arch"));
  }

  @Test
  void counts_reportRequestsAndTheScorersTokens() {
    IcmResult r = builder().build().run(WORLD.examples());
    assertThat(r.counts().scorerCalls()).isPositive();
    assertThat(r.counts().scoredQueries()).isGreaterThan(r.counts().scorerCalls());
    // the planted scorer reports one token per query on its fast leave-one-out path, and context
    // size + 1 per proposal request
    assertThat(r.counts().tokens()).isGreaterThanOrEqualTo(r.counts().scoredQueries());
  }

  @Test
  void labelsOfAMultiLabelSpace_areSupported() {
    LabelSpace abc = LabelSpace.of("A", "B", "C");
    LabelScorer byPromptLength =
        (space, requests) ->
            ScoreResult.of(
                requests.stream()
                    .map(q -> {
                      double[] row = new double[3];
                      row[q.query().prompt().length() % 3] = -0.1;
                      row[(q.query().prompt().length() + 1) % 3] = -2;
                      row[(q.query().prompt().length() + 2) % 3] = -3;
                      return row;
                    })
                    .toList());
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      examples.add(new Example("e" + i, "x".repeat(i + 1), "g" + i, Map.of()));
    }
    IcmResult r = Icm.builder().search(Searches.paper().withIterations(200)).labelEveryExample(false).scorer(byPromptLength).labelSpace(abc).seed(1)
        .build().run(examples);
    assertThat(r.labels().isComplete()).isTrue();
    for (Example e : examples) {
      // with no rules and a context-free scorer, every label ends at the scorer's argmax
      assertThat(r.labels().label(e.id())).contains(abc.name(e.prompt().length() % 3));
    }
  }

  /** Records what the scorer is asked: each leave-one-out labeling and each single prediction. */
  private static final class RecordingScorer implements LabelScorer {
    final List<String> asked = new ArrayList<>();

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      for (ScoreRequest r : requests) {
        asked.add("predict " + r.query().id() + " after " + r.context());
      }
      return WORLD.scorer().score(labels, requests);
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
      asked.add("labeling " + labelled);
      return WORLD.scorer().scoreLeaveOneOut(labels, labelled);
    }
  }

  /** One chain and one batch: the memo belongs to a chain, so only there is every question new. */
  @Test
  void scoreMemo_neverAsksTheScorerTheSameQuestionTwice_inAChain() {
    RecordingScorer off = new RecordingScorer();
    IcmResult withoutMemo = builder().search(Searches.paper().withIterations(200)).scorer(off).scoreMemo(0).build().run(WORLD.examples());
    RecordingScorer on = new RecordingScorer();
    IcmResult withMemo = builder().search(Searches.paper().withIterations(200)).scorer(on).build().run(WORLD.examples());

    // without the memo this run repeats questions (a rejected move leaves the chain where it was)
    assertThat(new HashSet<>(off.asked)).hasSizeLessThan(off.asked.size());
    // with it every question is new, and they are the same questions
    assertThat(new HashSet<>(on.asked)).hasSize(on.asked.size());
    assertThat(new HashSet<>(on.asked)).isEqualTo(new HashSet<>(off.asked));
    // each call asks one question (a prediction is one request): the counts see the saving
    assertThat(withMemo.counts().scorerCalls()).isEqualTo(on.asked.size());
    assertThat(withoutMemo.counts().scorerCalls()).isEqualTo(off.asked.size());
    assertThat(withMemo.labels()).isEqualTo(withoutMemo.labels());
    assertThat(withMemo.history()).isEqualTo(withoutMemo.history());
  }
}
