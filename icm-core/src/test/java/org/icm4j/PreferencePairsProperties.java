package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.icm4j.reward.PreferencePair;
import org.icm4j.reward.PreferencePairs;
import org.junit.jupiter.api.Test;

/** Invariants of {@link PreferencePairs} on random groups and labelings. */
class PreferencePairsProperties {
  private static final LabelSpace SPACE = LabelSpace.of("True", "False", "Unsure");

  /** Groups of 1..4 examples, each labelled True, False, Unsure or not at all. */
  private record World(List<Example> examples, Labeling labels) {}

  private static World world(int groups, long seed) {
    Random rng = new Random(seed);
    List<Example> examples = new ArrayList<>();
    Map<String, String> labels = new HashMap<>();
    for (int g = 0; g < groups; g++) {
      int size = 1 + rng.nextInt(4);
      for (int m = 0; m < size; m++) {
        Example e = Example.of("g" + g + "/" + m, "claim " + g + " " + m, "g" + g);
        examples.add(e);
        int pick = rng.nextInt(4);
        if (pick < 3) {
          labels.put(e.id(), SPACE.name(pick));
        }
      }
    }
    return new World(examples, Labeling.of(SPACE, examples, labels));
  }

  @Test
  void everyPair_prefersAPreferredResponseOverAnotherOfItsGroup_andAllSuchPairsAreThere() {
    qt()
        .forAll(integers().between(0, 12), longs().all())
        .checkAssert(
            (groups, seed) -> {
              World w = world(groups, seed);
              List<PreferencePair> pairs = PreferencePairs.fromLabels(w.examples(), w.labels(), "True", "p");
              Set<String> seen = new HashSet<>();
              for (PreferencePair p : pairs) {
                assertThat(w.labels().label(p.chosen().id())).contains("True");
                assertThat(w.labels().label(p.rejected().id()).orElseThrow()).isNotEqualTo("True");
                assertThat(p.chosen().group()).isEqualTo(p.rejected().group()).isEqualTo(p.group());
                assertThat(seen.add(p.id())).as("pair %s is listed once", p.id()).isTrue();
              }
              Map<String, int[]> counts = new HashMap<>();
              for (Example e : w.examples()) {
                w.labels().label(e.id()).ifPresent(l -> counts.computeIfAbsent(e.group(), g -> new int[2])[l.equals("True") ? 0 : 1]++);
              }
              int expected = counts.values().stream().mapToInt(c -> c[0] * c[1]).sum();
              assertThat(pairs).hasSize(expected);
            });
  }

  @Test
  void pairs_doNotDependOnTheOrderOfTheExamples() {
    qt()
        .forAll(integers().between(0, 12), longs().all())
        .checkAssert(
            (groups, seed) -> {
              World w = world(groups, seed);
              List<Example> shuffled = new ArrayList<>(w.examples());
              Collections.shuffle(shuffled, new Random(seed ^ 0x5EEDL));
              assertThat(PreferencePairs.fromLabels(shuffled, w.labels(), "True", "p"))
                  .isEqualTo(PreferencePairs.fromLabels(w.examples(), w.labels(), "True", "p"));
            });
  }
}
