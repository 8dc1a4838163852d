package org.icm4j.spi;

import org.icm4j.result.BatchSummary;
import org.icm4j.result.IterationRecord;

/**
 * Receives events of a run, for progress bars, logging and monitoring. Every method has a no-op
 * default. Called synchronously on the thread running the chain: keep it fast. When chains run in
 * parallel on an executor, methods are called from several threads at once and must be
 * thread-safe.
 */
public interface IcmListener {

  /**
   * A batch starts.
   *
   * @param batchIndex the batch index
   * @param batchCount the batch count
   * @param examples the examples
   */
  default void onBatchStart(int batchIndex, int batchCount, int examples) {}

  /**
   * A label was proposed.
   *
   * @param batchIndex batch
   * @param chainIndex chain within the batch
   * @param iteration 1-based iteration
   * @param exampleId the sampled example
   * @param proposedLabel the proposed label
   */
  default void onProposal(
      int batchIndex, int chainIndex, int iteration, String exampleId, String proposedLabel) {}

  /**
   * ConsistencyFix replaced the candidate by a better consistent option ({@code iteration} 0: the
   * repair of the initial labeling).
   *
   * @param utilityBefore U of the candidate before the fix
   * @param utilityAfter U after
   *
   * @param batchIndex the batch index
   * @param chainIndex the chain index
   * @param iteration the iteration
   */
  default void onFix(
      int batchIndex, int chainIndex, int iteration, double utilityBefore, double utilityAfter) {}

  /**
   * An iteration ended: accepted or rejected, with the energy after the decision.
   *
   * @param batchIndex the batch index
   * @param chainIndex the chain index
   * @param record the record
   */
  default void onIteration(int batchIndex, int chainIndex, IterationRecord record) {}

  /**
   * Whether this listener wants {@link #onLabels} after every iteration. Building the labeling
   * costs time proportional to the batch size, so the engine only does it when this returns {@code
   * true}. Asked once per chain.
   *
   * @return {@code false} by default
   */
  default boolean observesLabels() {
    return false;
  }

  /**
   * The chain's current labeling after an iteration, right after {@link #onIteration}; only called
   * when {@link #observesLabels()} is {@code true}. For progress plots (for example agreement with
   * gold labels the search never sees); the labeling must not be fed back into the search.
   *
   * @param batchIndex batch
   * @param chainIndex chain within the batch
   * @param iteration 1-based iteration
   * @param labels the current labeling of the batch's examples
   */
  default void onLabels(int batchIndex, int chainIndex, int iteration, org.icm4j.Labeling labels) {}

  /**
   * A chain's progress in its strategy's own units (annealing: iterations; the multi-start search:
   * its starts and final stages), for progress bars and time estimates.
   *
   * @param done units done
   * @param total units the chain will do
   *
   * @param batchIndex the batch index
   * @param chainIndex the chain index
   */
  default void onProgress(int batchIndex, int chainIndex, int done, int total) {}

  /**
   * A chain ended.
   *
   * @param batchIndex the batch index
   * @param chainIndex the chain index
   * @param utility the utility
   * @param cancelled the cancelled
   */
  default void onChainEnd(int batchIndex, int chainIndex, double utility, boolean cancelled) {}

  /**
   * A batch ended (best chain chosen).
   *
   * @param summary the summary
   */
  default void onBatchEnd(BatchSummary summary) {}

  /**
   * A checkpoint was written.
   *
   * @param file the file
   */
  default void onCheckpoint(java.nio.file.Path file) {}
}
