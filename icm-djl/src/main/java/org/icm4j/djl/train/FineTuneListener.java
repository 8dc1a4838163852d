package org.icm4j.djl.train;

/** Receives a {@link FineTuneProgress} after every epoch of fine-tuning, on the training thread. */
@FunctionalInterface
public interface FineTuneListener {
  /**
   * Called after each epoch; should return quickly.
   *
   * @param progress the report
   */
  void onEpoch(FineTuneProgress progress);
}
