package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.Test;

/**
 * The scorer contract on {@link PlantedWorld#scorer()} (its fast leave-one-out path), and the
 * invariant that the fast path equals the reference path on random worlds and labelings.
 */
class PlantedScorerContractTest extends ScorerContract {

  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(3, 7));

  /** Both use {@link LabelScorer}'s default requests: every other example in the given order. */
  @Override
  protected java.util.Optional<org.icm4j.text.LeaveOneOutOrder> leaveOneOutOrder() {
    return java.util.Optional.of(org.icm4j.text.LeaveOneOutOrder.PLAIN);
  }

  @Override
  protected LabelScorer scorer() {
    return WORLD.scorer();
  }

  @Override
  protected List<Example> examples() {
    return WORLD.examples();
  }

  @Test
  void fastLeaveOneOut_equalsReferenceLeaveOneOut_forRandomWorldsAndLabelings() {
    LabelSpace space = LabelSpace.binary();
    qt().forAll(integers().between(2, 6), longs().all(), longs().all())
        .checkAssert(
            (groups, worldSeed, labelingSeed) -> {
              PlantedWorld world = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, worldSeed));
              List<LabelledExample> labelled = randomLabeling(world.examples(), space, labelingSeed);

              ScoreResult fast = world.scorer().scoreLeaveOneOut(space, labelled);
              ScoreResult reference = world.referenceScorer().scoreLeaveOneOut(space, labelled);

              assertThat(fast.size()).isEqualTo(labelled.size());
              assertThat(reference.size()).isEqualTo(labelled.size());
              for (int i = 0; i < labelled.size(); i++) {
                assertThat(fast.row(i))
                    .as("world(groups=%s, seed=%s), labeling seed %s: row %s of %s ('%s')",
                        groups, worldSeed, labelingSeed, i, labelled.size(),
                        labelled.get(i).example().id())
                    .containsExactly(reference.row(i), within(1e-9));
              }
            });
  }

  /**
   * A random partial labeling in random order: each example is labelled with probability 3/4 (at
   * least one is), with a uniformly random label.
   */
  private static List<LabelledExample> randomLabeling(
      List<Example> examples, LabelSpace space, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<LabelledExample> out = new ArrayList<>();
    for (Example e : examples) {
      if (rng.nextInt(4) != 0) {
        out.add(new LabelledExample(e, space.name(rng.nextInt(space.size()))));
      }
    }
    if (out.isEmpty()) {
      Example e = examples.get(rng.nextInt(examples.size()));
      out.add(new LabelledExample(e, space.name(rng.nextInt(space.size()))));
    }
    Collections.shuffle(out, new Random(rng.nextLong()));
    return out;
  }
}
