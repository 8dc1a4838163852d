package org.icm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.MutualPredictability;
import org.icm4j.Rules;
import org.icm4j.search.ProposalMode;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.search.ExampleSampler;
import org.icm4j.spi.search.SearchSettings;
import org.icm4j.spi.search.SearchState;
import org.icm4j.spi.search.TemperatureSchedule;
import org.icm4j.testing.PlantedWorld;
import org.icm4j.testing.ReferenceEnergy;
import org.junit.jupiter.api.Test;

/** Invariants of the energy bookkeeping and of ConsistencyFix. */
class EnergyProperties {
  private static final List<ConsistencyRule> RULES =
      List.of(Rules.exactlyOne(), Rules.answerKey("answer"));
  private static final SearchSettings SETTINGS =
      new SearchSettings(8, Icm.DEFAULT_ALPHA, MutualPredictability.MEAN_SIGNED_LOG_ODDS);

  private static int[] randomLabels(SplittableRandom rng, int n) {
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = rng.nextInt(3) - 1;
    }
    return labels;
  }

  @Test
  void incrementalEnergy_equalsEnergyRecomputedFromScratch() {
    qt()
        .forAll(integers().between(1, 8), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, seed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              List<Example> sorted = ReferenceEnergy.sorted(w.examples());
              Problem p = Problem.standalone(w.examples(), LabelSpace.binary(), RULES, SETTINGS, w.scorer(), 1);
              SplittableRandom rng = new SplittableRandom(seed);
              int n = sorted.size();
              SearchState state = p.evaluate(randomLabels(rng, n));
              for (int step = 0; step < 12; step++) {
                int m = 1 + rng.nextInt(Math.min(4, n));
                int[] idx = new int[m];
                int[] ys = new int[m];
                for (int k = 0; k < m; k++) {
                  idx[k] = rng.nextInt(n);
                  ys[k] = rng.nextInt(3) - 1;
                }
                state = p.change(state, idx, ys);
                int[] labels = state.labels();
                SearchState fresh = p.evaluate(labels);
                assertThat(state.inconsistency()).isEqualTo(fresh.inconsistency());
                assertThat(state.labelledCount()).isEqualTo(fresh.labelledCount());
                assertThat(state.utility()).isEqualTo(fresh.utility());
                assertThat(state.inconsistency())
                    .isEqualTo(ReferenceEnergy.inconsistency(RULES, LabelSpace.binary(), sorted, labels));
                assertThat(state.mutualPredictability())
                    .isCloseTo(
                        ReferenceEnergy.mutualPredictability(w.referenceScorer(), LabelSpace.binary(), sorted, labels),
                        within(1e-9));
                for (int i = 0; i < n; i++) {
                  boolean mate = false;
                  for (int j = 0; j < n; j++) {
                    mate |= j != i && labels[j] >= 0 && sorted.get(j).group().equals(sorted.get(i).group());
                  }
                  assertThat(p.view(state).hasLabelledGroupMate(i)).isEqualTo(mate);
                }
              }
            });
  }

  @Test
  void consistencyFix_neverLowersU() {
    qt()
        .forAll(integers().between(1, 8), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, seed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              Problem p = Problem.standalone(w.examples(), LabelSpace.binary(), RULES, SETTINGS, w.scorer(), seed);
              SearchState before = p.evaluate(randomLabels(new SplittableRandom(seed), w.examples().size()));
              SearchState after = Annealing.consistencyFix(p, before, 1, Icm.DEFAULT_FIX_ROUNDS).state();
              assertThat(after.utility()).isGreaterThanOrEqualTo(before.utility());
              if (after != before) {
                assertThat(after.utility()).isGreaterThan(before.utility());
              }
            });
  }

  @Test
  void consistentOptions_makeTheirWitnessConsistent_andExcludeTheCurrentLabels() {
    qt()
        .forAll(integers().between(1, 8), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, seed) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              Problem p = Problem.standalone(w.examples(), LabelSpace.binary(), RULES, SETTINGS, w.scorer(), seed);
              SearchState s = p.evaluate(randomLabels(new SplittableRandom(seed), w.examples().size()));
              for (int[] witness : p.violations(s)) {
                List<int[]> options = p.consistentOptions(s, witness);
                for (int[] option : options) {
                  int[] labels = s.labels();
                  boolean same = true;
                  for (int k = 0; k < witness.length; k++) {
                    same &= labels[witness[k]] == option[k];
                    labels[witness[k]] = option[k];
                  }
                  assertThat(same).isFalse();
                  assertThat(p.index.witnessConsistent(witness, labels)).isTrue();
                }
                // every consistent assignment is offered: count them by brute force
                int expected = 0;
                for (int c = 0; c < 1 << witness.length; c++) {
                  int[] labels = s.labels();
                  boolean same = true;
                  for (int k = 0; k < witness.length; k++) {
                    int y = (c >> k) & 1;
                    same &= labels[witness[k]] == y;
                    labels[witness[k]] = y;
                  }
                  if (!same && p.index.witnessConsistent(witness, labels)) {
                    expected++;
                  }
                }
                assertThat(options).hasSize(expected);
              }
            });
  }
}
