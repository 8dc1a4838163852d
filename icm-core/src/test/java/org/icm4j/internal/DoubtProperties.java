package org.icm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** How far apart two labelings are, up to renaming their labels. */
class DoubtProperties {

  private static List<String> random(int n, int k, SplittableRandom rng) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(rng.nextInt(10) == 0 ? null : "L" + rng.nextInt(k));
    }
    return out;
  }

  @Test
  void aLabelingWithItsLabelsRenamed_differsFromItByNothing_andTheCountNeverExceedsThePlainOne() {
    qt()
        .forAll(integers().between(1, 60), integers().between(2, 6), longs().all())
        .checkAssert(
            (n, k, seed) -> {
              SplittableRandom rng = new SplittableRandom(seed);
              List<String> a = random(n, k, rng);
              List<Integer> perm = new ArrayList<>();
              for (int y = 0; y < k; y++) {
                perm.add(y);
              }
              Collections.shuffle(perm, new java.util.Random(seed));
              List<String> renamed = new ArrayList<>();
              for (String y : a) {
                renamed.add(y == null ? null : "M" + perm.get(Integer.parseInt(y.substring(1))));
              }
              assertThat(Doubt.differingUpToRenaming(a, renamed)).isZero();

              List<String> b = random(n, k, rng);
              int plain = 0;
              for (int i = 0; i < n; i++) {
                if (a.get(i) != null && b.get(i) != null && !a.get(i).equals(b.get(i))) {
                  plain++;
                }
              }
              int upTo = Doubt.differingUpToRenaming(a, b);
              assertThat(upTo).isBetween(0, plain);
              assertThat(Doubt.differingUpToRenaming(b, a)).isEqualTo(upTo); // symmetric (k <= 6 exact)
            });
  }

  @Test
  void theMirrorOfABinaryLabeling_isTheSameConcept_butHalfOfItFlippedIsNot() {
    List<String> a = List.of("True", "False", "True", "True", "False", "False", "True", "False");
    List<String> mirror = a.stream().map(y -> y.equals("True") ? "False" : "True").toList();
    List<String> half = new ArrayList<>(a);
    for (int i = 0; i < 4; i++) {
      half.set(i, mirror.get(i));
    }
    assertThat(Doubt.differingUpToRenaming(a, mirror)).isZero();
    assertThat(Doubt.differingUpToRenaming(a, half)).isEqualTo(4);
  }
}
