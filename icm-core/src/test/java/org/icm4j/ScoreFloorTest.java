package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icm4j.result.Energy;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.Test;

/**
 * docs/writing-a-scorer.md's advice for underflowing probabilities: clamp log-probabilities to a
 * moderate floor such as -1e4, which keeps the energy finite, not to -Double.MAX_VALUE, which
 * does not.
 */
class ScoreFloorTest {

  /** Gives "True" log-probability 0 and "False" the floor, for every query. */
  private static LabelScorer clampedTo(double floor) {
    return (space, requests) ->
        ScoreResult.of(requests.stream().map(r -> new double[] {0, floor}).toList());
  }

  private static List<Example> examples(int n) {
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Example.of(String.format("e%04d", i), "claim " + i));
    }
    return out;
  }

  private static Labeling mixed(List<Example> examples) {
    Map<String, String> labels = new TreeMap<>();
    for (int i = 0; i < examples.size(); i++) {
      labels.put(examples.get(i).id(), i % 3 == 0 ? "False" : "True");
    }
    return Labeling.of(LabelSpace.binary(), labels);
  }

  @Test
  void floorOfMinus1e4_keepsTheEnergyFinite_underBothMeasures() {
    List<Example> batch = examples(2000);
    for (MutualPredictability measure : MutualPredictability.values()) {
      Icm icm =
          Icm.builder().scorer(clampedTo(-1e4)).mutualPredictability(measure).alpha(1000).seed(1).build();

      Energy e = icm.energy(batch, mixed(batch));

      assertThat(e.mutualPredictability()).as("%s", measure).isFinite();
      assertThat(e.utility()).as("%s", measure).isFinite();
    }
  }

  @Test
  void floorOfMinusDoubleMax_doesNotGiveAFiniteEnergy() {
    List<Example> batch = examples(10);
    Icm icm = Icm.builder().scorer(clampedTo(-Double.MAX_VALUE)).seed(1).build();

    boolean finite;
    try {
      Energy e = icm.energy(batch, mixed(batch));
      finite = Double.isFinite(e.utility()) && Double.isFinite(e.mutualPredictability());
    } catch (IcmException rejected) {
      finite = false; // an engine that checks the energy rejects it: the same lesson
    }
    assertThat(finite).isFalse();
  }
}
