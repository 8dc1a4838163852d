package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.icm4j.RunAssertions.assertSameRun;
import static org.icm4j.RunAssertions.assertSameSearch;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.LabelSource;
import org.icm4j.result.RunStatus;
import org.icm4j.search.MultiStartSearch;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.IcmListener;
import org.icm4j.testing.PlantedWorld;
import org.icm4j.testing.ReferenceEnergy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invariants of the default search ({@link MultiStartSearch}) on random planted worlds. */
class MultiStartProperties {
  private static final List<ConsistencyRule> RULES = List.of(Rules.exactlyOne(), Rules.answerKey("answer"));

  @TempDir Path dir;
  private final AtomicInteger files = new AtomicInteger();

  private static Icm.Builder builder(PlantedWorld w, long seed, boolean rules) {
    Icm.Builder b = Icm.builder().scorer(w.scorer()).seed(seed);
    if (rules) {
      b.rules(RULES);
    }
    return b;
  }

  @Test
  void sameSeed_givesIdenticalResult_withOrWithoutAnExecutor() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      qt()
          .forAll(integers().between(2, 8), longs().all(), longs().all(), integers().between(0, 1))
          .checkAssert(
              (groups, worldSeed, seed, rules) -> {
                PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
                Icm.Builder b = builder(w, seed, rules == 1).chains(2).batchSize(12);
                IcmResult first = b.build().run(w.examples());
                IcmResult again = b.build().run(w.examples());
                IcmResult parallel = b.executor(pool).build().run(w.examples());
                assertSameRun(first, again);
                assertSameRun(first, parallel);
              });
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shuffledInputOrder_givesIdenticalResult() {
    qt()
        .forAll(integers().between(2, 8), longs().all(), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, seed, shuffleSeed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              List<Example> shuffled = new ArrayList<>(w.examples());
              Collections.shuffle(shuffled, new Random(shuffleSeed));
              Icm icm = builder(w, seed, true).batchSize(9).build();
              assertSameRun(icm.run(w.examples()), icm.run(shuffled));
            });
  }

  @Test
  void everyExampleIsLabelled_noRuleIsBroken_andEachDetailIsTheLeaveOneOutProbability() {
    qt()
        .forAll(integers().between(1, 8), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, seed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              IcmResult r = builder(w, seed, true).build().run(w.examples());
              assertThat(r.labels().isComplete()).isTrue();
              // every group of four has an assignment with exactly one True and distinct answers
              assertThat(r.inconsistency()).isZero();
              assertThat(r.details()).hasSize(w.examples().size());
              List<Example> sorted = ReferenceEnergy.sorted(w.examples());
              List<LabelledExample> labelled = new ArrayList<>();
              for (Example e : sorted) {
                labelled.add(new LabelledExample(e, r.labels().label(e.id()).orElseThrow()));
              }
              // the reference scorer answers each leave-one-out request on its own
              var rows = w.referenceScorer().scoreLeaveOneOut(LabelSpace.binary(), labelled).logProbs();
              for (int i = 0; i < sorted.size(); i++) {
                LabelDetail d = r.detail(sorted.get(i).id()).orElseThrow();
                int y = LabelSpace.binary().indexOf(d.label());
                double[] row = rows.get(i);
                double p = Math.exp(row[y]) / (Math.exp(row[0]) + Math.exp(row[1]));
                assertThat(d.source()).isEqualTo(LabelSource.SEARCH);
                assertThat(d.probability()).isCloseTo(p, within(1e-9));
              }
            });
  }

  @Test
  void resultEnergy_equalsTheReferenceEnergyOfTheReturnedLabels() {
    qt()
        .forAll(integers().between(2, 6), longs().all(), longs().all(), integers().between(0, 1))
        .checkAssert(
            (groups, worldSeed, seed, rules) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              List<ConsistencyRule> used = rules == 1 ? RULES : List.of();
              IcmResult r = builder(w, seed, rules == 1).build().run(w.examples());
              assertThat(r.labels().isComplete()).isTrue();
              RunAssertions.assertEnergyIsTheReference(r, w, used);
            });
  }

  @Test
  void aMoveIsAcceptedOnlyWhenItRaisesU_andARejectedOneLeavesUAsItWas() {
    qt()
        .forAll(integers().between(2, 8), longs().all(), longs().all(), integers().between(0, 1))
        .checkAssert(
            (groups, worldSeed, seed, rules) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              // stages (a start, a polish, the mirror) begin from a labeling of their own: split
              // the history where the search reports a finished stage
              List<List<IterationRecord>> stages = new ArrayList<>();
              stages.add(new ArrayList<>());
              IcmListener listener =
                  new IcmListener() {
                    @Override
                    public void onIteration(int batchIndex, int chainIndex, IterationRecord record) {
                      stages.get(stages.size() - 1).add(record);
                    }

                    @Override
                    public void onProgress(int batchIndex, int chainIndex, int done, int total) {
                      stages.add(new ArrayList<>());
                    }
                  };
              IcmResult r = builder(w, seed, rules == 1).listener(listener).build().run(w.examples());
              int records = 0;
              int moves = 0;
              for (List<IterationRecord> stage : stages) {
                records += stage.size();
                for (int i = 1; i < stage.size(); i++) {
                  IterationRecord before = stage.get(i - 1);
                  IterationRecord after = stage.get(i);
                  boolean labelingOfItsOwn =
                      after.exampleId().startsWith("start ")
                          || after.exampleId().equals("*mirror*")
                          || after.exampleId().contains("repair");
                  if (labelingOfItsOwn) {
                    continue;
                  }
                  moves++;
                  if (after.accepted()) {
                    assertThat(after.utility()).isGreaterThan(before.utility());
                  } else {
                    assertThat(after.utility()).isEqualTo(before.utility());
                  }
                }
              }
              assertThat(records).isEqualTo(r.history().size());
              assertThat(moves).isPositive();
            });
  }

  @Test
  void scoreMemo_changesNoResult_onlyAsksTheScorerLess() {
    AtomicInteger saved = new AtomicInteger();
    AtomicInteger cases = new AtomicInteger();
    qt()
        .forAll(integers().between(2, 8), longs().all(), longs().all(), integers().between(1, 6))
        .checkAssert(
            (groups, worldSeed, seed, smallMemo) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              cases.incrementAndGet();
              if (RunAssertions.assertMemoChangesOnlyTheScorerCalls(builder(w, seed, true), w.examples(), smallMemo)) {
                saved.incrementAndGet();
              }
            });
    // starts that end at one labeling ask for its rows again without the memo
    assertThat(saved.get()).isGreaterThan(cases.get() / 2);
  }

  @Test
  void resumeAfterCancellation_givesTheUninterruptedSearch() {
    qt()
        .forAll(integers().between(2, 6), longs().all(), integers().between(1, 400), integers().between(1, 3))
        .checkAssert(
            (groups, worldSeed, stopAt, every) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              IcmResult expected = builder(w, 7, true).batchSize(8).chains(2).build().run(w.examples());
              Path file = dir.resolve("run-" + files.incrementAndGet() + ".ckpt");
              CancellationToken token = new CancellationToken();
              AtomicInteger seen = new AtomicInteger();
              IcmListener stop =
                  new IcmListener() {
                    @Override
                    public void onIteration(int batchIndex, int chainIndex, IterationRecord record) {
                      if (seen.incrementAndGet() == stopAt) {
                        token.cancel();
                      }
                    }
                  };
              IcmResult first =
                  builder(w, 7, true).batchSize(8).chains(2).checkpoint(file, every).listener(stop).build()
                      .run(w.examples(), token);
              IcmResult resumed =
                  builder(w, 7, true).batchSize(8).chains(2).checkpoint(file, every).build().run(w.examples());
              assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETE);
              // restored labelings carry no leave-one-out rows: a resumed run may ask for them again
              assertSameSearch(expected, resumed);
              assertThat(resumed.details()).isEqualTo(expected.details());
              if (first.status() == RunStatus.COMPLETE) {
                assertSameRun(expected, first);
              }
            });
  }
}
