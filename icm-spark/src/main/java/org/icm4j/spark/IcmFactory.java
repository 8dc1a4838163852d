package org.icm4j.spark;

import java.io.Serializable;
import org.icm4j.Icm;
import org.icm4j.spi.LabelScorer;

/**
 * Builds the ICM pipeline around a scorer, on the driver (to plan the batches) and on every
 * executor (to label them). It must be serializable and build the same pipeline every time:
 * the same rules, label space, batch size, search and seed, or the batches would not be those of
 * one sequential run.
 *
 * <pre>{@code
 * IcmFactory icm = scorer -> Icm.builder().scorer(scorer).rule(Rules.exactlyOne())
 *     .batchSize(256).seed(42).build();
 * }</pre>
 */
@FunctionalInterface
public interface IcmFactory extends Serializable {

  /**
   * The pipeline with this scorer.
   *
   * @param scorer the executor's scorer (on the driver, a scorer that refuses every call: planning
   *     does not score)
   * @return the pipeline
   */
  Icm create(LabelScorer scorer);
}
