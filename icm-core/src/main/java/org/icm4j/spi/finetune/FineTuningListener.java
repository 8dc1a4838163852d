package org.icm4j.spi.finetune;

import org.icm4j.finetune.FineTuningRound;
import org.icm4j.spi.LabelScorer;

/**
 * Receives the rounds of {@link org.icm4j.finetune.IterativeFineTuning}, on the thread that runs it: for
 * reports, and for evaluation after each round (for example {@link
 * org.icm4j.eval.FineTuningEvaluation}, which measures each round against gold labels the loop
 * never sees). Nothing a listener does is fed back into the loop. Every method has a no-op default.
 */
public interface FineTuningListener {

  /**
   * Fine-tuning starts after a batch was labelled.
   *
   * @param round the 0-based round (the batch just labelled)
   * @param labelledExamples the labelled examples it trains on (all batches so far)
   */
  default void onFineTuningStart(int round, int labelledExamples) {}

  /**
   * A round ended: its batch was labelled and, if there was any label so far, a model was
   * fine-tuned on all the labels so far.
   *
   * @param round what the round did
   * @param next the scorer that labels the next batch: the model fine-tuned in this round (after
   *     the last batch, the final model), or the previous scorer when nothing was fine-tuned. Use
   *     it during this call only: the loop closes it when a later round replaces it.
   */
  default void onRound(FineTuningRound round, LabelScorer next) {}
}
