package org.icm4j.testing;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.spi.LabelScorer;

/**
 * The scorer contract on {@link PlantedWorld#referenceScorer()} (the default leave-one-out path of
 * {@link LabelScorer}).
 */
class PlantedReferenceScorerContractTest extends ScorerContract {

  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(3, 7));

  /** Both use {@link LabelScorer}'s default requests: every other example in the given order. */
  @Override
  protected java.util.Optional<org.icm4j.text.LeaveOneOutOrder> leaveOneOutOrder() {
    return java.util.Optional.of(org.icm4j.text.LeaveOneOutOrder.PLAIN);
  }

  @Override
  protected LabelScorer scorer() {
    return WORLD.referenceScorer();
  }

  @Override
  protected List<Example> examples() {
    return WORLD.examples();
  }
}
