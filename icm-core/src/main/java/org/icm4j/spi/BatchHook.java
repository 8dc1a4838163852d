package org.icm4j.spi;

import org.icm4j.Labeling;
import org.icm4j.result.BatchSummary;

/**
 * Called between batches of a large run, on the thread that runs ICM: the place where iterative
 * fine-tuning plugs in. It may return a different scorer (e.g. one fine-tuned on the labels so
 * far) for the following batches.
 */
@FunctionalInterface
public interface BatchHook {

  /**
   * Called after each batch but the last.
   *
   * @param finished the batch just finished
   * @param labelsSoFar the labels of every finished batch
   * @param current the scorer in use
   * @return the scorer for the next batches ({@code current} to keep it)
   */
  LabelScorer afterBatch(BatchSummary finished, Labeling labelsSoFar, LabelScorer current);
}
