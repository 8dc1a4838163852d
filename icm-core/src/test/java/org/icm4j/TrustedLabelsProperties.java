package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.icm4j.RunAssertions.assertSameRun;
import static org.icm4j.RunAssertions.assertSameSearch;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.LabelSource;
import org.icm4j.search.RuleHandling;
import org.icm4j.search.Searches;
import org.icm4j.spi.IcmListener;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trusted labels never change under any strategy, at any moment of the search, with or without a
 * checkpoint resume; a run with trusted labels is as deterministic as one without.
 */
class TrustedLabelsProperties {
  @TempDir Path dir;
  private final AtomicInteger files = new AtomicInteger();

  /** The strategies: 0 the default, 1 the paper's annealing, 2 the exhaustive search under constraints. */
  private static Icm.Builder builder(PlantedWorld w, long seed, boolean rules, int strategy) {
    Icm.Builder b = Icm.builder().scorer(w.scorer()).seed(seed);
    if (rules) {
      b.rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"));
    }
    switch (strategy) {
      case 1 -> b.search(Searches.paper().withIterations(40)).chains(2);
      case 2 -> b.search(Searches.exhaustive(RuleHandling.CONSTRAINTS));
      default -> {}
    }
    return b;
  }

  /**
   * {@code count} trusted labels on examples picked by {@code seed}: their gold labels when the run
   * has rules (so that they keep them), random labels otherwise (trusted labels need not be right).
   */
  private static Labeling trusted(PlantedWorld w, int count, long seed, boolean rules) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Example> left = new ArrayList<>(w.examples());
    Map<String, String> out = new HashMap<>();
    for (int t = 0; t < count && !left.isEmpty(); t++) {
      Example e = left.remove(rng.nextInt(left.size()));
      out.put(e.id(), rules ? w.gold().label(e.id()).orElseThrow() : rng.nextBoolean() ? "True" : "False");
    }
    return Labeling.of(LabelSpace.binary(), out);
  }

  /** A listener that checks every labeling the search reports against the trusted labels. */
  private static IcmListener watching(Labeling trusted, List<String> broken) {
    return new IcmListener() {
      @Override
      public boolean observesLabels() {
        return true;
      }

      @Override
      public void onLabels(int batch, int chain, int iteration, Labeling labels) {
        trusted.asMap().forEach((id, label) -> {
          String now = labels.label(id).orElse(null);
          if (!label.equals(now)) {
            broken.add(id + " was " + now + " at iteration " + iteration);
          }
        });
      }
    };
  }

  @Test
  void trustedLabels_neverChange_underAnyStrategy_atAnyMoment() {
    qt()
        .withExamples(40)
        .forAll(integers().between(2, 5), longs().all(), integers().between(0, 2), integers().between(1, 4))
        .checkAssert(
            (groups, seed, strategy, count) -> {
              int g = strategy == 2 ? Math.min(groups, 3) : groups; // exhaustive: at most 12 examples
              boolean rules = (seed & 1) == 0;
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(g, seed));
              Labeling trusted = trusted(w, count, seed, rules);
              List<String> broken = new ArrayList<>();
              IcmResult r =
                  builder(w, seed, rules, strategy)
                      .trustedLabels(trusted)
                      .listener(watching(trusted, broken))
                      .build()
                      .run(w.examples());
              assertThat(broken).isEmpty();
              trusted.asMap().forEach((id, label) -> {
                assertThat(r.labels().label(id)).contains(label);
                assertThat(r.detail(id).orElseThrow().source()).isEqualTo(LabelSource.TRUSTED);
              });
              assertThat(r.details().stream().filter(d -> d.source() == LabelSource.TRUSTED).count())
                  .isEqualTo(trusted.labelledCount());
              assertThat(r.suggestions()).noneMatch(s -> trusted.asMap().containsKey(s.exampleId()));
            });
  }

  @Test
  void aRunWithTrustedLabels_resumedFromACheckpoint_isTheUninterruptedRun_andKeepsThem() {
    qt()
        .withExamples(15)
        .forAll(integers().between(2, 5), longs().all(), integers().between(0, 1), integers().between(1, 20))
        .checkAssert(
            (groups, seed, strategy, stopAt) -> {
              PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, seed));
              Labeling trusted = trusted(w, 3, seed, true);
              IcmResult whole = builder(w, seed, true, strategy).trustedLabels(trusted).build().run(w.examples());
              Path file = dir.resolve("run-" + files.incrementAndGet() + ".ckpt");
              CancellationToken token = new CancellationToken();
              List<String> broken = new ArrayList<>();
              IcmListener stop =
                  new IcmListener() {
                    @Override
                    public void onIteration(int b, int c, IterationRecord record) {
                      if (record.iteration() >= stopAt) {
                        token.cancel();
                      }
                    }
                  };
              builder(w, seed, true, strategy).trustedLabels(trusted).checkpoint(file, 1).listener(stop)
                  .build().run(w.examples(), token);
              IcmResult resumed =
                  builder(w, seed, true, strategy).trustedLabels(trusted).checkpoint(file, 1)
                      .listener(watching(trusted, broken)).build().run(w.examples());
              assertThat(broken).isEmpty();
              assertSameSearch(whole, resumed);
              trusted.asMap().forEach((id, label) -> assertThat(resumed.labels().label(id)).contains(label));
            });
  }

  @Test
  void aRunWithTrustedLabels_isDeterministic_withOrWithoutAnExecutor() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      qt()
          .withExamples(20)
          .forAll(integers().between(2, 6), longs().all(), integers().between(1, 6))
          .checkAssert(
              (groups, seed, count) -> {
                PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, seed));
                Labeling trusted = trusted(w, count, seed, true);
                IcmResult a = builder(w, seed, true, 0).trustedLabels(trusted).chains(2).build().run(w.examples());
                IcmResult b =
                    builder(w, seed, true, 0).trustedLabels(trusted).chains(2).executor(pool).build().run(w.examples());
                assertSameRun(a, b);
                assertThat(b.warnings()).isEqualTo(a.warnings());
                assertThat(b.suggestions()).isEqualTo(a.suggestions());
              });
    } finally {
      pool.shutdownNow();
    }
  }
}
