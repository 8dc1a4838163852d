package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.icm4j.RunAssertions.assertSameRun;
import static org.icm4j.RunAssertions.assertSameSearch;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.ChainSummary;
import org.icm4j.result.Energy;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.testing.PlantedWorld;
import org.icm4j.testing.ReferenceEnergy;
import org.junit.jupiter.api.Test;

/** Invariants of whole runs, checked on random planted worlds with QuickTheories. */
class IcmProperties {
  private static final List<ConsistencyRule> RULES = List.of(Rules.exactlyOne(), Rules.answerKey("answer"));

  private static Icm icm(PlantedWorld world, long seed, int iterations, boolean rules) {
    Icm.Builder b = Icm.builder().search(Searches.paper().withIterations(iterations)).labelEveryExample(false).scorer(world.scorer()).seed(seed);
    if (rules) {
      b.rules(RULES);
    }
    return b.build();
  }

  @Test
  void sameSeed_givesIdenticalResult() {
    qt()
        .forAll(integers().between(2, 8), longs().all(), longs().all(), integers().between(0, 1))
        .checkAssert(
            (groups, worldSeed, seed, rules) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              IcmResult first = icm(w, seed, 40, rules == 1).run(w.examples());
              IcmResult second = icm(w, seed, 40, rules == 1).run(w.examples());
              assertSameRun(first, second);
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
              Icm.Builder b =
                  Icm.builder().search(Searches.paper().withIterations(60)).labelEveryExample(false).scorer(w.scorer()).seed(seed).rules(RULES).chains(2);
              cases.incrementAndGet();
              if (RunAssertions.assertMemoChangesOnlyTheScorerCalls(b, w.examples(), smallMemo)) {
                saved.incrementAndGet();
              }
            });
    // a memo that never answers would pass every case above: most runs must ask less
    assertThat(saved.get()).isGreaterThan(cases.get() / 2);
  }

  @Test
  void energyOfTheFoundLabels_isTheEnergyTheRunReports_andEnergyOfGoldIsItsReferenceEnergy() {
    qt()
        .forAll(integers().between(2, 6), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, seed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              Icm icm = Icm.builder().search(Searches.paper().withIterations(30)).labelEveryExample(false).scorer(w.scorer()).seed(seed).rules(RULES).build();
              IcmResult r = icm.run(w.examples());
              Energy e = icm.energy(w.examples(), r.labels());
              assertThat(e.utility()).isEqualTo(r.utility());
              assertThat(e.mutualPredictability()).isEqualTo(r.mutualPredictability());
              assertThat(e.inconsistency()).isEqualTo(r.inconsistency());
              assertThat(e.labelled()).isEqualTo(r.labels().labelledCount());
              // the planted labels, which no search saw, against the reference implementation
              Labeling planted = new Labeling(LabelSpace.binary(), w.gold().asMap(), java.util.Set.of());
              Energy g = icm.energy(w.examples(), planted);
              List<Example> sorted = ReferenceEnergy.sorted(w.examples());
              int[] labels = new int[sorted.size()];
              for (int i = 0; i < labels.length; i++) {
                labels[i] = LabelSpace.binary().indexOf(planted.label(sorted.get(i).id()).orElseThrow());
              }
              assertThat(g.inconsistency())
                  .isEqualTo(ReferenceEnergy.inconsistency(RULES, LabelSpace.binary(), sorted, labels));
              assertThat(g.mutualPredictability())
                  .isCloseTo(
                      ReferenceEnergy.mutualPredictability(w.referenceScorer(), LabelSpace.binary(), sorted, labels),
                      within(1e-9));
            });
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
              Icm icm =
                  Icm.builder().search(Searches.paper().withIterations(40)).labelEveryExample(false).scorer(w.scorer()).seed(seed).rules(RULES)
                      .batchSize(9).chains(2).build();
              assertSameRun(icm.run(w.examples()), icm.run(shuffled));
            });
  }

  @Test
  void resultEnergy_equalsReferenceEnergyOfTheReturnedLabels() {
    qt()
        .forAll(integers().between(2, 6), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, seed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              IcmResult r = icm(w, seed, 30, true).run(w.examples());
              RunAssertions.assertEnergyIsTheReference(r, w, RULES);
            });
  }

  @Test
  void exhaustiveSearch_returnsTheBruteForceMaximumOfU() {
    qt()
        .forAll(integers().between(1, 3), integers().between(2, 3), longs().all())
        .checkAssert(
            (groups, groupSize, worldSeed) -> {
              PlantedWorld w =
                  PlantedWorld.generate(
                      new PlantedWorld.Spec(groups, groupSize, 2.0, new double[] {0.5, 0.3},
                          new double[] {1.5, 1.0}, 1.0, 0.05, 0.6, 0.5, worldSeed));
              IcmResult r =
                  Icm.builder().search(Searches.paper()).labelEveryExample(false).scorer(w.scorer()).seed(1).rules(RULES)
                      .search(Searches.exhaustive()).build().run(w.examples());
              List<Example> sorted = ReferenceEnergy.sorted(w.examples());
              int n = sorted.size();
              double best = Double.NEGATIVE_INFINITY;
              for (int c = 0; c < 1 << n; c++) {
                int[] labels = new int[n];
                for (int i = 0; i < n; i++) {
                  labels[i] = (c >> i) & 1;
                }
                best = Math.max(best, ReferenceEnergy.utility(
                    Icm.DEFAULT_ALPHA, w.referenceScorer(), RULES, LabelSpace.binary(), sorted, labels));
              }
              assertThat(r.labels().isComplete()).isTrue();
              assertThat(r.utility()).isCloseTo(best, within(1e-6));
            });
  }

  @Test
  void permutingGoldLabels_changesNoSearchOutput_onlyTheEvaluation() {
    qt()
        .forAll(integers().between(3, 8), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, permutationSeed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              GoldLabels permuted = permute(w.gold(), permutationSeed);
              PlantedWorld other = w.withGold(permuted);

              IcmResult original = icm(w, 3, 40, true).run(w.examples());
              IcmResult withPermutedGold = icm(other, 3, 40, true).run(other.examples());

              assertSameRun(original, withPermutedGold);
              // The gold labels do matter where they should: in evaluation.
              assertThat(Evaluation.agreement(withPermutedGold.labels(), permuted))
                  .isEqualTo(agreementByHand(withPermutedGold.labels(), permuted));
            });
  }

  private static GoldLabels permute(GoldLabels gold, long seed) {
    List<String> ids = new ArrayList<>(gold.asMap().keySet());
    List<String> values = new ArrayList<>(gold.asMap().values());
    Collections.shuffle(values, new Random(seed));
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      m.put(ids.get(i), values.get(i));
    }
    return GoldLabels.of(gold.labelSpace(), m);
  }

  private static double agreementByHand(Labeling labels, GoldLabels gold) {
    int same = 0;
    int total = 0;
    for (Map.Entry<String, String> e : labels.asMap().entrySet()) {
      total++;
      if (e.getValue().equals(gold.label(e.getKey()).orElseThrow())) {
        same++;
      }
    }
    return (double) same / total;
  }

  @Test
  void moreIterations_neverChangeTheStartOfTheHistory() {
    qt()
        .forAll(integers().between(2, 6), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, seed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              IcmResult shorter = icm(w, seed, 20, true).run(w.examples());
              IcmResult longer = icm(w, seed, 35, true).run(w.examples());
              assertThat(longer.history().subList(0, 20)).isEqualTo(shorter.history());
            });
  }

  @Test
  void everyChainsUtility_isReported_andTheBestIsKept() {
    qt()
        .forAll(integers().between(2, 8), longs().all(), integers().between(1, 5))
        .checkAssert(
            (groups, worldSeed, chains) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              IcmResult r =
                  Icm.builder().search(Searches.paper().withIterations(30)).labelEveryExample(false).scorer(w.scorer()).seed(worldSeed).rules(RULES)
                      .chains(chains).build().run(w.examples());
              BatchSummary b = r.batches().get(0);
              assertThat(b.chains()).hasSize(chains);
              double max = b.chains().stream().mapToDouble(ChainSummary::utility).max().orElseThrow();
              assertThat(r.utility()).isEqualTo(max);
              assertThat(b.chains().get(b.bestChain()).utility()).isEqualTo(max);
              assertThat(b.chains().stream().map(ChainSummary::seed).distinct().count()).isEqualTo((long) chains);
            });
  }

}
